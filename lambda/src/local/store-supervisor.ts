// Supervises the embedded-stores child process (store-process.ts). Before, a store process
// that died (kill -9, a crash) left every request failing with 503 token_lookup_failed
// for good while /healthz said 200. Now:
//   - an exit that close() did not ask for is a crash: the child is started again, with
//     exponential backoff, on the same ports, so the clients (and the stack file that CLI
//     commands read) keep their endpoints;
//   - health() says whether the stores are up, for /healthz (503 degraded while down)
//     and `validate --local`.
// The data survives: dynalite's LevelDB and s3rver's directory are on disk, and the OS
// releases LevelDB's lock when the holder dies.
import { METRIC } from '../contracts/metrics.js'
import type { HealthCheck, Metrics } from '../core/ports.js'
import { noMetrics } from '../core/ports.js'
import type { RunningStores } from './embedded-stores.js'
import { spawnStoreProcess, type StoreProcess, type StoreProcessOptions } from './store-process.js'

/** The core's health port shape: ok, or not ok with a detail for /healthz. */
export type StoreHealth = ReturnType<HealthCheck>

export interface SupervisedStores extends RunningStores {
  health(): StoreHealth
  /** Pid of the current child (undefined while restarting). */
  readonly pid: number | undefined
  /** Completed restarts since start. */
  readonly restarts: number
}

export interface SupervisorOptions {
  dataDir: string
  host?: string
  log?: (message: string) => void
  metrics?: Metrics
  /** First restart delay, doubled per failed attempt up to maxDelayMs. */
  initialDelayMs?: number
  maxDelayMs?: number
  /** A child that stayed up this long resets the backoff; a shorter life counts as a failed attempt. */
  stableAfterMs?: number
  /** Test seam: how a child is started. */
  spawn?: (dataDir: string, host: string, options: StoreProcessOptions) => Promise<StoreProcess>
}

export async function superviseStores(options: SupervisorOptions): Promise<SupervisedStores> {
  const host = options.host ?? '127.0.0.1'
  const log = options.log ?? ((m: string) => process.stderr.write(`${m}\n`))
  const metrics = options.metrics ?? noMetrics
  const spawn = options.spawn ?? spawnStoreProcess
  const initialDelay = options.initialDelayMs ?? 250
  const maxDelay = options.maxDelayMs ?? 10_000
  const stableAfter = options.stableAfterMs ?? 30_000

  // The first start fails loudly (a locked data directory is the operator's to fix).
  let child: StoreProcess | undefined = await spawn(options.dataDir, host, {})
  const ports = { dynamodbPort: portOf(child.dynamodbEndpoint), s3Port: portOf(child.s3Endpoint) }
  const endpoints = { dynamodbEndpoint: child.dynamodbEndpoint, s3Endpoint: child.s3Endpoint }
  let stopped = false
  let restarts = 0
  let failedAttempts = 0
  let downSince: number | undefined
  let lastExit = ''
  let lastError = ''
  let retry: NodeJS.Timeout | undefined
  let upSince = Date.now()

  const watch = (current: StoreProcess) => {
    void current.exited.then(({ code, signal }) => {
      if (stopped || child !== current) return
      child = undefined
      downSince = Date.now()
      lastExit = signal ? `killed by ${signal}` : `exit code ${code}`
      // A child that stayed up resets the backoff; one that died soon after starting counts
      // as a failed attempt, so a crash loop backs off instead of spinning.
      if (Date.now() - upSince >= stableAfter) failedAttempts = 0
      else failedAttempts++
      metrics.emit(METRIC.localStoreRestarts, 1, 'Count')
      log(`codex-proxy: the embedded store process (pid ${current.pid}) ${lastExit}; restarting it`)
      schedule()
    })
  }

  const schedule = () => {
    const delay = Math.min(maxDelay, initialDelay * 2 ** failedAttempts)
    retry = setTimeout(() => void attempt(), delay)
    // Never what keeps the host alive.
    retry.unref()
  }

  const attempt = async () => {
    if (stopped) return
    try {
      const next = await spawn(options.dataDir, host, ports)
      if (stopped) {
        await next.close()
        return
      }
      child = next
      restarts++
      upSince = Date.now()
      log(`codex-proxy: embedded store process back (pid ${next.pid}) after ${((Date.now() - (downSince ?? Date.now())) / 1000).toFixed(1)} s`)
      downSince = undefined
      lastError = ''
      watch(next)
    } catch (err) {
      failedAttempts++
      lastError = err instanceof Error ? err.message : String(err)
      log(`codex-proxy: restarting the embedded store process failed (attempt ${failedAttempts}): ${lastError}`)
      schedule()
    }
  }

  watch(child)
  return {
    ...endpoints,
    get pid() {
      return child?.pid
    },
    get restarts() {
      return restarts
    },
    health() {
      if (child) return { ok: true }
      if (stopped) return { ok: false, detail: 'embedded store process stopped' }
      const seconds = ((Date.now() - (downSince ?? Date.now())) / 1000).toFixed(0)
      return {
        ok: false,
        detail: `embedded store process down for ${seconds} s (${lastExit}), restarting${failedAttempts ? ` (${failedAttempts} failed attempt${failedAttempts === 1 ? '' : 's'}${lastError ? `, last: ${lastError}` : ''})` : ''}`,
      }
    },
    async close() {
      stopped = true
      clearTimeout(retry)
      const last = child
      child = undefined
      await last?.close()
    },
  }
}

function portOf(endpoint: string): number {
  return Number(new URL(endpoint).port)
}
