// Progress goes to a person at a terminal, never into piped or --json output.
import { ux } from '@oclif/core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { progressFor } from '../../ops-cli/src/lib/progress.js'

afterEach(() => vi.restoreAllMocks())

describe('progress', () => {
  it('shows a spinner with status on a terminal', () => {
    const start = vi.spyOn(ux.action, 'start').mockImplementation(() => {})
    const stop = vi.spyOn(ux.action, 'stop').mockImplementation(() => {})
    const p = progressFor({ json: false }, { isTTY: true })
    p.start('Querying Athena')
    p.stop('done')
    expect(start).toHaveBeenCalledWith('Querying Athena')
    expect(stop).toHaveBeenCalledWith('done')
  })

  it.each([
    ['--json', { json: true }, { isTTY: true }],
    ['a piped stderr', { json: false }, { isTTY: false }],
    ['quiet output formats', { json: false, quiet: true }, { isTTY: true }],
  ])('stays silent with %s', (_, options, stream) => {
    const start = vi.spyOn(ux.action, 'start').mockImplementation(() => {})
    const p = progressFor(options, stream)
    p.start('x')
    p.status('y')
    p.stop()
    expect(start).not.toHaveBeenCalled()
  })
})
