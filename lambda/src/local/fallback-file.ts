// The local host's "log stream" for records that could not be stored: each fallback line
// goes to stderr and is appended to a file in the data directory (0600). Writing it never
// throws: on a full disk the append fails, and stderr is then the only copy (said so on
// stderr), rather than an exception that would lose the record entirely.
import { appendFileSync } from 'node:fs'

export const FALLBACK_FILE_NAME = 'audit-fallback.log'

export function fallbackLineWriter(file: string, stderr: (text: string) => void = (t) => void process.stderr.write(t)): (line: string) => void {
  return (line) => {
    stderr(`${line}\n`)
    try {
      appendFileSync(file, `${line}\n`, { mode: 0o600 })
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err))
      stderr(`codex-proxy: could not append the fallback line above to ${file} (${code}); stderr holds the only copy\n`)
    }
  }
}
