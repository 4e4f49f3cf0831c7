// Memory and handle figures of this process, for the "stays bounded" / "no leak" checks.
// RSS is read after full garbage collections, so it reflects what is retained.
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

export const MiB = 1024 * 1024

/** RSS in bytes after two full collections (weak references and finalizers settle). */
export async function settledRss(): Promise<number> {
  for (let i = 0; i < 2; i++) {
    gc()
    await new Promise((r) => setTimeout(r, 20))
  }
  return process.memoryUsage().rss
}

/** Active libuv handles and requests by type (sockets, timers, …). */
export function activeResources(): Record<string, number> {
  const out: Record<string, number> = {}
  for (const name of process.getActiveResourcesInfo()) out[name] = (out[name] ?? 0) + 1
  return out
}

export const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`
