// Starting the embedded-stores child is the longest wait of `serve` (node, dynalite,
// s3rver, LevelDB open: ~0.3 s from the bundle). It needs none of the proxy's modules, so
// `serve` starts it first and loads the proxy meanwhile (startLocalProxy's `startedStores`).
// This module stays light for that reason: no SDK, no proxy core.
import { mkdir } from 'node:fs/promises'
import { findRunningStack, LocalStackNotRunning } from './stack-file.js'
import { type SupervisedStores, type SupervisorOptions, superviseStores } from './store-supervisor.js'

/**
 * One server per data directory (LevelDB allows one opener). A stack file whose process
 * is gone, or whose URL does not answer, is stale (a crash) and does not block a start.
 */
export async function refuseIfRunning(dataDir: string): Promise<void> {
  let running
  try {
    running = await findRunningStack(dataDir)
  } catch (err) {
    if (err instanceof LocalStackNotRunning) return
    throw err
  }
  // 503 is a running server whose store process is restarting: it still owns the directory.
  const answers = await fetch(`${running.url}/healthz`, { signal: AbortSignal.timeout(1_000) })
    .then((r) => r.ok || r.status === 503)
    .catch(() => false)
  if (answers) {
    throw new Error(`codex-proxy serve is already running for data dir ${dataDir} (pid ${running.pid}, ${running.url})`)
  }
}

/** The supervised store child for `dataDir`, started now; hand the promise to startLocalProxy. */
export function startStoresEarly(options: SupervisorOptions): Promise<SupervisedStores> {
  const started = (async () => {
    await mkdir(options.dataDir, { recursive: true })
    await refuseIfRunning(options.dataDir)
    return superviseStores(options)
  })()
  // Awaited by startLocalProxy; until then a failure must not count as unhandled.
  started.catch(() => {})
  return started
}
