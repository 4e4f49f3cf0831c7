// Measures the pricing module: import (init) time and time per price() call.
// Run: npx tsx bench/pricing-perf.ts
// (Init time under tsx includes transpiling our few files; for the Lambda figure bundle
// with esbuild and time the import of the bundle with plain node, see the report.)
import { performance } from 'node:perf_hooks'

const t0 = performance.now()
const { createPricer, loadPriceOverrides } = await import('../lambda/src/pricing/index.js')
const initMs = performance.now() - t0

const usage = { input_tokens: 12_345, cached_input_tokens: 8_000, output_tokens: 1_234, reasoning_tokens: 600, total_tokens: 13_579 }
const plain = createPricer()
const withOverrides = createPricer({
  overrides: loadPriceOverrides(
    JSON.stringify({ models: { 'gpt-5*': { input_per_mtok: 1, cached_input_per_mtok: 0.1, output_per_mtok: 8 } } }),
  ),
})

const BATCH = 1_000
const BATCHES = 300
/** Median over BATCHES of the mean time per call inside a batch of BATCH calls, in µs. */
function medianMicros(fn: () => unknown): number {
  for (let i = 0; i < 5_000; i++) fn() // warm up the JIT
  const samples: number[] = []
  for (let b = 0; b < BATCHES; b++) {
    const start = process.hrtime.bigint()
    for (let i = 0; i < BATCH; i++) fn()
    samples.push(Number(process.hrtime.bigint() - start) / BATCH / 1_000)
  }
  samples.sort((a, z) => a - z)
  return samples[Math.floor(samples.length / 2)]!
}

const cases: Array<[string, () => unknown]> = [
  ['package, gpt-5', () => plain.price('gpt-5', usage)],
  ['package, gpt-5-2025-08-07 (snapshot)', () => plain.price('gpt-5-2025-08-07', usage)],
  ['package, gpt-5.4 (tiered)', () => plain.price('gpt-5.4', usage)],
  ['package, unknown model (null)', () => plain.price('gpt-9-imaginary', usage)],
  ['override, gpt-5.1-codex via gpt-5*', () => withOverrides.price('gpt-5.1-codex', usage)],
]
console.log(`import of lambda/src/pricing (first import, tsx): ${initMs.toFixed(1)} ms`)
for (const [name, fn] of cases) console.log(`price() ${name}: median ${medianMicros(fn).toFixed(2)} µs/call`)
