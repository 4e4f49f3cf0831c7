// Summarises a V8 .cpuprofile (node --cpu-prof): self time by function and by package,
// to say where a proxy's CPU goes. Usage: tsx bench/proxy/profile-summary.ts FILE [N]
import { readFileSync } from 'node:fs'

interface Node {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}
export interface Profile {
  nodes: Node[]
  samples: number[]
  timeDeltas: number[]
}

export function summarise(profile: Profile, top = 25): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const self = new Map<number, number>()
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)))
  const total = [...self.values()].reduce((a, b) => a + b, 0)
  const byFn = new Map<string, number>()
  const byPkg = new Map<string, number>()
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? (url.startsWith('node:') ? url : url ? url.replace(/^.*\/(lambda|ops-cli|test|bench)\//, '$1/') : `(${functionName || 'vm'})`)
    const fn = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(lambda|ops-cli)\//, '$1/')}:${lineNumber + 1}`
    byFn.set(fn, (byFn.get(fn) ?? 0) + us)
    byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + us)
  }
  const pct = (us: number) => `${((us / total) * 100).toFixed(1).padStart(5)}%`
  return [
    `total sampled ${(total / 1000).toFixed(0)} ms`,
    'by package / file:',
    ...[...byPkg].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([k, v]) => `  ${pct(v)}  ${k}`),
    'by function (self time):',
    ...[...byFn].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, v]) => `  ${pct(v)}  ${k}`),
  ]
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const profile = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as Profile
  console.log(summarise(profile, Number(process.argv[3] ?? 25)).join('\n'))
}
