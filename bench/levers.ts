// Issue 14's cheap levers, each timed before and after in the same process:
//   request ids — ulid's default random source (16 getRandomValues calls per id) vs the pooled one;
//   prices      — the package's full lookup per call vs the per-name memory of packagePrice;
//   segmenter   — the audit body segmenter's literal scan byte by byte vs with native indexOf cursors;
//   gzip        — node's async gzip (a zlib stream and a thread-pool trip per object) vs gzipObject.
// Run: npx tsx bench/levers.ts [--write]   (part `levers` of npm run bench)
import { calcPrice } from '@pydantic/genai-prices'
import { writeFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { gzip } from 'node:zlib'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { monotonicFactory } from 'ulid'
import { requestIdFactory } from '../lambda/src/core/request-id.js'
import { gzipObject } from '../lambda/src/bodies/gzip.js'
import { segment } from '../lambda/src/bodies/segments.js'
import { packagePrice } from '../lambda/src/pricing/package-prices.js'
import { firstTurnBody } from './codex-corpus.js'
import { segment as segmentBytewise } from './legacy/segments-bytewise.js'

const BATCH = 1_000
const BATCHES = 200
/**
 * Old and new alternately, batch by batch (so that machine load and GC fall on both alike):
 * the median over BATCHES of the mean time per call inside a batch of BATCH calls, µs.
 */
function pairMicros(before: (i: number) => unknown, after: (i: number) => unknown, batch = BATCH): [number, number] {
  for (let i = 0; i < 5 * batch; i++) {
    before(i)
    after(i)
  }
  const samples: [number[], number[]] = [[], []]
  for (let b = 0; b < BATCHES; b++) {
    for (const [k, fn] of [before, after].entries()) {
      const start = process.hrtime.bigint()
      for (let i = 0; i < batch; i++) fn(i)
      samples[k]!.push(Number(process.hrtime.bigint() - start) / batch / 1_000)
    }
  }
  const med = (v: number[]) => v.sort((a, z) => a - z)[v.length >> 1]!
  return [med(samples[0]), med(samples[1])]
}

/** pairMicros for async work: the same alternation, awaiting each call; CPU time (process.cpuUsage), since the pool's threads count. */
async function pairCpuMicrosAsync(before: () => Promise<unknown>, after: () => Promise<unknown>, batch = 100, batches = 60): Promise<[number, number]> {
  for (let i = 0; i < 3 * batch; i++) {
    await before()
    await after()
  }
  const samples: [number[], number[]] = [[], []]
  for (let b = 0; b < batches; b++) {
    for (const [k, fn] of [before, after].entries()) {
      const start = process.cpuUsage()
      for (let i = 0; i < batch; i++) await fn()
      const used = process.cpuUsage(start)
      samples[k]!.push((used.user + used.system) / batch)
    }
  }
  const med = (v: number[]) => v.sort((a, z) => a - z)[v.length >> 1]!
  return [med(samples[0]), med(samples[1])]
}

// A new millisecond for every id, as between requests (within one ms ulid only increments).
let t = Date.now()
const oldId = monotonicFactory()
const newId = requestIdFactory()
const at = new Date()
const usage = { input_tokens: 55_000, cache_read_tokens: 50_000, output_tokens: 1_200 }
const tokens = { input: 55_000, cached: 50_000, cacheWrite: 0, output: 1_200 }
const codexBody = new TextEncoder().encode(firstTurnBody(1))
const smallRecord = JSON.stringify({ skeleton: Buffer.from(segment(codexBody).skeleton).toString('latin1'), note: 'a first-turn body record' })
const gzipAsync = promisify(gzip)
const rows: [string, number, number][] = [
  [
    `gzip of a body record (${(smallRecord.length / 1024).toFixed(0)} KiB JSON, level 6), CPU µs incl. pool threads`,
    ...(await pairCpuMicrosAsync(() => gzipAsync(smallRecord, { level: 6 }), () => gzipObject(smallRecord, 6))),
  ],
  [`audit body segmenter, Codex first-turn body (${(codexBody.byteLength / 1024).toFixed(0)} KiB; batches of 20)`, ...pairMicros(() => segmentBytewise(codexBody), () => segment(codexBody), 20)],
  ['request id (ULID, new millisecond each)', ...pairMicros(() => oldId(++t), () => newId(++t))],
  [
    'price lookup, gpt-5.1-codex',
    ...pairMicros(
      () => calcPrice(usage, 'gpt-5.1-codex', { providerId: 'openai', timestamp: at }),
      () => packagePrice('gpt-5.1-codex', tokens, at),
    ),
  ],
  [
    'price lookup, gpt-5-2025-08-07 (snapshot)',
    ...pairMicros(
      () => calcPrice(usage, 'gpt-5-2025-08-07', { providerId: 'openai', timestamp: at }),
      () => packagePrice('gpt-5-2025-08-07', tokens, at),
    ),
  ],
]
const lines = [
  '# Cheap levers of issue 14, before and after',
  '',
  `Run ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}, ${cpus().length}× ${cpus()[0]?.model.trim()}, Node ${process.version}. Command: \`npx tsx bench/levers.ts --write\` (or \`npm run bench -- --only levers\`).`,
  `Median over ${BATCHES} batches of the mean per call in a batch of ${BATCH}, one process, old and new batches alternating. A request prices twice (estimate at admission, cost at finish), makes one id and segments its request body (and its response) once.`,
  '',
  '| work | before, µs | after, µs | after ÷ before |',
  '|---|---|---|---|',
  ...rows.map(([n, a, b]) => `| ${n} | ${a.toFixed(2)} | ${b.toFixed(2)} | ${(b / a).toFixed(2)}× |`),
  '',
]
console.log(lines.join('\n'))
if (process.argv.includes('--write')) writeFileSync(join(import.meta.dirname, 'levers-results.md'), lines.join('\n'))
