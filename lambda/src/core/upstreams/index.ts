// The pool as the proxy core takes it: a factory the hosts compose with their key sources
// (Secrets Manager per upstream in Lambda, `key_env` locally); the core supplies fetch,
// metrics and clock. Health lives as long as the proxy instance (see health.ts).
import type { Upstream, UpstreamPoolConfig } from '../../contracts/upstreams.js'
import type { Clock, KeySource, Metrics, UpstreamFetch } from '../ports.js'
import { UpstreamPool } from './failover.js'
import { UpstreamHealth } from './health.js'

export type UpstreamPoolFactory = (env: { fetch: UpstreamFetch; metrics: Metrics; clock: Clock }) => UpstreamPool

export function upstreamPoolFactory(config: UpstreamPoolConfig, keyFor: (upstream: Upstream) => KeySource): UpstreamPoolFactory {
  // One key source per upstream for the instance's life (each caches its key).
  const keys = new Map(config.upstreams.map((u) => [u.id, keyFor(u)]))
  return ({ fetch, metrics, clock }) =>
    new UpstreamPool({
      config,
      keyFor: (u) => keys.get(u.id)!,
      health: new UpstreamHealth(() => clock.monotonic(), undefined, () => clock.now()),
      fetch,
      monotonic: () => clock.monotonic(),
      metrics,
    })
}

export { UpstreamPool } from './failover.js'
export type { UpstreamAttempt } from './failover.js'
