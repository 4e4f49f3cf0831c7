// CPU per audit object written by serve (file-object-store.ts), before and after the
// lighter write path: AtomicFilesystemStore.putObject (temp + rename for the object and
// each sidecar, through node:fs/promises) vs createNew (sidecars in place alongside the
// object's temp file, callback fs, directories remembered). Both alternate in one process,
// 8 writers, 3 KB objects (a gzipped record's size); CPU of all threads (the fs work runs
// in libuv's pool). Usage: npm run bench:local-objects
import { mkdtemp, rm, mkdir, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { AtomicFilesystemStore } from '../lambda/src/local/atomic-fs-store.js'
const dir = await mkdtemp(join(tmpdir(), 'objs-'))
await mkdir(join(dir, 'b'), { recursive: true })
const store = new AtomicFilesystemStore(dir)
const body = randomBytes(3000)
const ways: [string, (key: string) => Promise<unknown>][] = [
  ['putObject (before)', async (key) => { await stat(store.getResourcePath('b', key, 'object')).catch(() => undefined); return store.putObject({ bucket: 'b', key, content: body, metadata: { 'content-type': 'application/gzip' } }) }],
  ['createNew (after)', async (key) => { await stat(store.getResourcePath('b', key, 'object')).catch(() => undefined); return store.createNew('b', key, body, { 'content-type': 'application/gzip' }) }],
]
const sums = new Map<string, number[]>()
for (let r = 0; r < 6; r++) {
  for (const [name, way] of ways) {
    const n = 2000
    const c0 = process.cpuUsage()
    await Promise.all(Array.from({ length: 8 }, async (_, w) => { for (let i = 0; i < n / 8; i++) await way(`bodies/year=2026/month=11/day=29/${name[0]}${r}-${w}-${i}.json.gz`) }))
    const c = process.cpuUsage(c0)
    sums.set(name, [...(sums.get(name) ?? []), (c.user + c.system) / n])
  }
}
for (const [name, v] of sums) console.log(name, v.map((x) => x.toFixed(0)).join(' '), 'µs CPU per object; median', v.sort((a, b) => a - b)[3]!.toFixed(0))
await rm(dir, { recursive: true, force: true })
