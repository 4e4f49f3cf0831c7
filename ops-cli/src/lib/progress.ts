// Progress for anything that waits on AWS: oclif's spinner on stderr, shown only to a
// person at a terminal (never with --json, never when stderr is piped), so scripted
// output stays clean.
import { ux } from '@oclif/core'

export interface Progress {
  start(action: string): void
  status(text: string): void
  stop(summary?: string): void
}

const silent: Progress = { start() {}, status() {}, stop() {} }

export function progressFor(options: { json: boolean; quiet?: boolean }, stream: { isTTY?: boolean } = process.stderr): Progress {
  if (options.json || options.quiet || !stream.isTTY) return silent
  let running = false
  return {
    start(action) {
      ux.action.start(action)
      running = true
    },
    status(text) {
      if (running) ux.action.status = text
    },
    stop(summary) {
      if (running) ux.action.stop(summary)
      running = false
    },
  }
}
