// Which upstream serves a request: weighted rendezvous (highest random weight) hashing
// over the upstreams that serve the model, keyed by the Codex session. Stateless: every
// Lambda instance computes the same ranking from the same config, with no shared table,
// so a session stays on one upstream account (its encrypted reasoning and prompt cache
// live there) for as long as that upstream is healthy. The ranking is also the failover
// order: when the first choice fails, the session moves to its second choice, and the
// sessions of a failed upstream spread over the others in proportion to their weights.
// Adding or removing an upstream moves only the sessions that gain or lose it.
import { servesModel, type Upstream } from '../../contracts/upstreams.js'

export type AffinitySource = 'session' | 'prompt_cache_key' | 'request'

/**
 * The session key: Codex's `session-id` header (older builds: `session_id`), else the
 * body's `prompt_cache_key` (Codex sets it to the session id; other clients use it for
 * the same purpose), else the request id (no stickiness to keep).
 */
export function affinityKeyOf(headers: Headers, json: Record<string, unknown> | undefined, requestId: string): { key: string; source: AffinitySource } {
  const session = headers.get('session-id') ?? headers.get('session_id')
  if (session) return { key: session, source: 'session' }
  const pck = json?.prompt_cache_key
  if (typeof pck === 'string' && pck !== '') return { key: pck, source: 'prompt_cache_key' }
  return { key: requestId, source: 'request' }
}

/** The upstreams serving `model`, best first for this affinity key. */
export function rankUpstreams(upstreams: readonly Upstream[], model: string | null, key: string): Upstream[] {
  return upstreams
    .filter((u) => servesModel(u, model))
    .map((u) => ({ u, score: rendezvousScore(key, u.id, u.weight) }))
    .sort((a, b) => b.score - a.score || (a.u.id < b.u.id ? -1 : 1))
    .map((s) => s.u)
}

/**
 * Weighted rendezvous score (Schindelhauer & Schomaker, "Weighted distributed hash
 * tables", 2005; the `-w / ln(h)` form): with h uniform in (0,1), the upstream with the
 * highest score wins with probability weight / Σweights.
 */
export function rendezvousScore(key: string, id: string, weight: number): number {
  const h = (hash53(`${key}\u0000${id}`) + 0.5) / 2 ** 53
  return -weight / Math.log(h)
}

/**
 * cyrb53 (public domain, bryc): a fast 53-bit string hash, well mixed, identical on every
 * JavaScript engine. Not cryptographic, and need not be: it only spreads sessions.
 */
export function hash53(str: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed
  let h2 = 0x41c6ce57 ^ seed
  for (let i = 0; i < str.length; i++) {
    const ch = str.charCodeAt(i)
    h1 = Math.imul(h1 ^ ch, 2654435761)
    h2 = Math.imul(h2 ^ ch, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507)
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507)
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return 4294967296 * (2097151 & h2) + (h1 >>> 0)
}
