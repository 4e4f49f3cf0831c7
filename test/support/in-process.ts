// Runs an ops command class in this process (oclif's `Command.run(argv, root)`), so that
// aws-sdk-client-mock's prototype mocks apply to the clients the command creates. Captures
// what the real binary would print and the exit code it would end with.
import type { Command } from '@oclif/core'
import { vi } from 'vitest'
import { REPO } from './cli.js'

export interface InProcessResult {
  code: number
  stdout: string
  stderr: string
}

type CommandClass = typeof Command & (new (...args: ConstructorParameters<typeof Command>) => Command)

export async function runCommand(command: CommandClass, argv: string[]): Promise<InProcessResult> {
  let stdout = ''
  let stderr = ''
  const toText = (args: unknown[]) => `${args.map(String).join(' ')}\n`
  const spies = [
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void (stdout += toText(args))),
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void (stderr += toText(args))),
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true)),
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)),
  ]
  const previousExitCode = process.exitCode
  process.exitCode = undefined
  let code: number
  try {
    await command.run(argv, REPO)
    code = Number(process.exitCode ?? 0)
  } catch (error) {
    const err = error as Error & { oclif?: { exit?: number }; exitCode?: number; code?: string }
    // What oclif's handler prints for an error that reaches it (not for a plain exit).
    if (err.code !== 'EEXIT') stderr += `Error: ${err.message}\n`
    code = err.oclif?.exit ?? err.exitCode ?? 1
  } finally {
    for (const spy of spies) spy.mockRestore()
    process.exitCode = previousExitCode
  }
  return { code, stdout, stderr }
}

/** oclif wraps error text at the terminal width: compare with whitespace folded. */
export const flat = (text: string) => text.replace(/\s+/g, ' ')
