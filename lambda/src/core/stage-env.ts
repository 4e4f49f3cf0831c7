// What every stage may use: the resolved config and the injected ports, built once per
// proxy instance by createProxy (proxy.ts).
import type { ProxyConfig } from '../contracts/config.js'
import type { Pricer } from '../pricing/index.js'
import type { Governor } from './governance/governor.js'
import type { UpstreamPool } from './upstreams/failover.js'
import type { AuditSink, BodyScanner, Clock, KeySource, Metrics, TokenStore, UpstreamFetch } from './ports.js'

export interface StageEnv {
  config: ProxyConfig
  /** The token store behind the short-lived cache. */
  tokens: TokenStore
  governor: Governor
  pricer: Pricer
  scanner: BodyScanner | undefined
  key: KeySource
  /** Where requests go: choice of upstream, failover, key rotation (core/upstreams/). */
  upstreams: UpstreamPool
  fetch: UpstreamFetch
  audit: AuditSink
  clock: Clock
  metrics: Metrics
  log: (message: string) => void
}

const nameOf = (err: unknown) => (err instanceof Error ? err.name : 'error')
/** Log text for a failure: the error's name only — messages of store SDKs can echo inputs. */
export const errorName = nameOf
