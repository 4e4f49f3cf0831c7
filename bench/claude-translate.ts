// Cost of the Claude translation, side by side with what it replaces:
//   request  — Responses → Messages for a real Codex 0.169 first turn (23 KB) and for a
//              60-tool-call history, vs JSON.parse + JSON.stringify of the same body (the
//              least any proxy that reads the body pays);
//   stream   — Messages SSE → Responses SSE through the TransformStream, vs a pass-through
//              TransformStream over the same bytes (what an OpenAI upstream costs).
// Run: npm run bench:claude   (writes bench/claude-translate-results.md)
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { cpus, release } from 'node:os'
import { join } from 'node:path'
import { toMessagesRequest } from '../lambda/src/providers/anthropic/to-messages.js'
import { translateMessagesStream } from '../lambda/src/providers/anthropic/to-responses-stream.js'
import { buildToolCatalogue } from '../lambda/src/providers/anthropic/tools.js'
import { frame, messageEvents } from '../test/support/anthropic-events.js'

const REPO = join(import.meta.dirname, '..')
const turn1 = JSON.parse(readFileSync(join(REPO, 'test/fixtures/codex/claude-turn1-request.json'), 'utf8')) as Record<string, unknown>

function history(n: number): Record<string, unknown> {
  const input = [...(turn1.input as unknown[])]
  for (let i = 0; i < n; i++) {
    input.push({ type: 'function_call', call_id: `toolu_${i}`, name: 'exec_command', arguments: JSON.stringify({ cmd: `sed -n ${i},${i + 40}p src/file${i}.ts` }) })
    input.push({ type: 'function_call_output', call_id: `toolu_${i}`, output: `Process exited with code 0\nOutput:\n${'const x = 1;\n'.repeat(150)}` })
  }
  return { ...turn1, input }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

function timeMs(fn: () => unknown, runs: number): number {
  for (let i = 0; i < 20; i++) fn()
  const samples: number[] = []
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint()
    fn()
    samples.push(Number(process.hrtime.bigint() - t) / 1e6)
  }
  return median(samples)
}

const opts = { upstreamModel: 'claude-sonnet-4-5', target: 'anthropic' as const }
const requestRows: string[] = []
for (const [label, req] of [['Codex first turn', turn1], ['60 tool calls of history', history(60)]] as const) {
  const text = JSON.stringify(req)
  const parseOnly = timeMs(() => JSON.stringify(JSON.parse(text)), 200)
  const translate = timeMs(() => JSON.stringify(toMessagesRequest(JSON.parse(text) as Record<string, unknown>, opts)), 200)
  requestRows.push(`| ${label} | ${(text.length / 1024).toFixed(0)} KiB | ${parseOnly.toFixed(3)} | ${translate.toFixed(3)} | ${(translate / parseOnly).toFixed(2)}× |`)
}

// A long answer: 2,000 text deltas, a 20 KB apply_patch, thinking.
const events = messageEvents({
  model: 'claude-sonnet-4-5',
  deltas: 2_000,
  blocks: [
    { type: 'thinking', thinking: 'Let me think about the change. '.repeat(200), signature: 'sig'.repeat(100) },
    { type: 'text', text: 'Here is the plan, step by step. '.repeat(2_000) },
    { type: 'tool_use', id: 'toolu_1', name: 'apply_patch', input: { input: `*** Begin Patch\n*** Add File: big.ts\n${'+const y = 2;\n'.repeat(1_500)}*** End Patch\n` } },
  ],
  usage: { input_tokens: 10, cache_creation_input_tokens: 100, cache_read_input_tokens: 1_000, output_tokens: 5_000 },
})
const sse = new TextEncoder().encode(events.map(frame).join(''))
const chunks: Uint8Array[] = []
for (let i = 0; i < sse.length; i += 1_400) chunks.push(sse.slice(i, i + 1_400)) // TCP-segment-sized reads
const catalogue = buildToolCatalogue([{ type: 'custom', name: 'apply_patch' }])
if (!catalogue.ok) throw new Error(catalogue.detail)
const source = () => new ReadableStream<Uint8Array>({ start(c) { for (const x of chunks) c.enqueue(x); c.close() } })

async function drainMs(make: () => ReadableStream<Uint8Array>, runs: number): Promise<number> {
  const samples: number[] = []
  for (let i = 0; i < runs + 5; i++) {
    const t = process.hrtime.bigint()
    const reader = make().getReader()
    while (!(await reader.read()).done) {
      // drain
    }
    if (i >= 5) samples.push(Number(process.hrtime.bigint() - t) / 1e6)
  }
  return median(samples)
}
const passMs = await drainMs(() => source().pipeThrough(new TransformStream()), 40)
const translateMs = await drainMs(() => translateMessagesStream(source(), { model: 'claude-sonnet-4-5', origins: catalogue.catalogue.origins, createdAt: 0 }), 40)
const mib = sse.length / 1024 / 1024

// One huge event (a 4 MiB text delta) in 1,400-byte chunks: the decoder must stay linear
// (the decoder first re-scanned its whole buffer per chunk: ~96 s here for this event).
const hugeEvent = new TextEncoder().encode(frame({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'x'.repeat(4 * 1024 * 1024) } }))
const hugeChunks: Uint8Array[] = []
for (let i = 0; i < hugeEvent.length; i += 1_400) hugeChunks.push(hugeEvent.slice(i, i + 1_400))
const hugeSource = () => new ReadableStream<Uint8Array>({ start(c) { for (const x of hugeChunks) c.enqueue(x); c.close() } })
const hugePass = await drainMs(() => hugeSource().pipeThrough(new TransformStream()), 5)
const hugeMs = await drainMs(() => translateMessagesStream(hugeSource(), { model: 'claude-sonnet-4-5', origins: catalogue.catalogue.origins, createdAt: 0 }), 5)

const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO }).toString().trim()
const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
const out = `# Claude translation cost (bench/claude-translate.ts)

Date ${new Date().toISOString()}, commit ${commit}, ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, Node ${process.version}, Linux ${release()},
load average at the end ${load} (a shared machine: compare the ratios, not the absolute times).
Command: \`npm run bench:claude\`. Medians of 200 (requests) / 40 (streams) runs.

## Request: Responses → Messages (ms per request)

| body | size | JSON parse + stringify | translate (parse, translate, stringify) | ratio |
|---|---|---|---|---|
${requestRows.join('\n')}

## Stream: Messages SSE → Responses SSE

One answer of ${events.length} events, ${mib.toFixed(2)} MiB, read in 1,400-byte chunks.

| path | ms per stream | MiB/s | ratio |
|---|---|---|---|
| pass-through TransformStream (OpenAI upstream) | ${passMs.toFixed(2)} | ${(mib / (passMs / 1000)).toFixed(0)} | 1× |
| translateMessagesStream | ${translateMs.toFixed(2)} | ${(mib / (translateMs / 1000)).toFixed(0)} | ${(translateMs / passMs).toFixed(1)}× |

Per event: ${((translateMs * 1000) / events.length).toFixed(1)} µs translated vs ${((passMs * 1000) / events.length).toFixed(1)} µs passed through. Claude streams
some tens to a few hundred events per second, so the translation costs well under 1 % of a core.

One 4 MiB event (a single text delta) in 1,400-byte chunks: pass-through ${hugePass.toFixed(1)} ms,
translated ${hugeMs.toFixed(1)} ms (the SSE decoder scans only new bytes; before that fix the same event
took ~96 s to decode on this machine).
`
writeFileSync(join(REPO, 'bench/claude-translate-results.md'), out)
console.log(out)
