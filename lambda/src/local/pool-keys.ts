// Keys of a local upstream pool (serve --upstreams FILE): each upstream names the
// environment variable holding its key (`key_env`); none means a keyless upstream. Read
// and checked once at startup, so a missing variable stops `serve` with a clear message
// instead of failing requests later.
import { ConfigError } from '../contracts/config.js'
import type { Upstream, UpstreamPoolConfig } from '../contracts/upstreams.js'
import type { KeySource } from '../core/ports.js'
import { parseKey } from './read-key.js'

export function localPoolKeys(pool: UpstreamPoolConfig, env: Record<string, string | undefined>): (u: Upstream) => KeySource {
  const keys = new Map<string, string | undefined>()
  const problems: string[] = []
  for (const u of pool.upstreams) {
    if (u.key_env === undefined) {
      keys.set(u.id, undefined)
      continue
    }
    try {
      const key = parseKey(env[u.key_env] ?? '')
      if (key === undefined) problems.push(`upstream ${u.id}: environment variable ${u.key_env} (key_env) is not set`)
      keys.set(u.id, key)
    } catch (err) {
      problems.push(`upstream ${u.id}: ${u.key_env}: ${(err as Error).message}`)
    }
  }
  if (problems.length) throw new ConfigError(problems.join('\n'))
  return (u) => {
    const key = keys.get(u.id)
    return { get: async () => key }
  }
}
