// The Lambda build keeps only OpenAI's price data (lambda/price-data-plugin.ts): the
// trimmed bundle must price exactly as the package does.
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'
import { findProviderArray, keepProviders, priceDataPlugin } from '../../lambda/price-data-plugin.js'
import { createPricer, type Pricer } from '../../lambda/src/pricing/index.js'
import { PRICE_PROVIDER_IDS } from '../../lambda/src/pricing/package-prices.js'

async function bundledPricer(): Promise<{ pricer: Pricer; bytes: number }> {
  const out = join(await mkdtemp(join(tmpdir(), 'cxp-prices-')), 'pricing.mjs')
  const result = await build({
    entryPoints: ['lambda/src/pricing/index.ts'],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    plugins: [priceDataPlugin(PRICE_PROVIDER_IDS)],
    metafile: true,
    logLevel: 'silent',
  })
  const mod = (await import(pathToFileURL(out).href)) as { createPricer: typeof createPricer }
  return { pricer: mod.createPricer(), bytes: Object.values(result.metafile.outputs)[0]!.bytes }
}

const usage = (input: number, cached: number, output: number) => ({
  input_tokens: input,
  cached_input_tokens: cached,
  output_tokens: output,
  reasoning_tokens: 0,
  total_tokens: input + output,
})

describe('trimmed price data in the Lambda bundle', () => {
  it('prices OpenAI and Claude models exactly as the full package does', async () => {
    const { pricer: trimmed, bytes } = await bundledPricer()
    const full = createPricer()
    const cases: [string, ReturnType<typeof usage> & { cache_write_input_tokens?: number }, Date][] = [
      ['gpt-5', usage(12_000, 10_000, 800), new Date('2026-11-21')],
      ['gpt-5-2025-08-07', usage(1_000, 0, 100), new Date('2026-11-21')],
      ['gpt-5.1-codex', usage(50_000, 40_000, 2_000), new Date('2026-11-21')],
      ['gpt-5.1-codex-mini', usage(3_000, 0, 300), new Date('2026-11-21')],
      ['o3', usage(1_000, 500, 100), new Date('2025-01-01')],
      ['o3', usage(1_000, 500, 100), new Date('2026-01-01')],
      ['gpt-4o', usage(1_000, 0, 1_000), new Date('2026-11-21')],
      ['gpt-5.4', usage(300_000, 0, 1_000), new Date('2026-11-21')],
      ['no-such-model', usage(1, 0, 1), new Date('2026-11-21')],
      ['claude-sonnet-4-5', { ...usage(32_050, 30_000, 420), cache_write_input_tokens: 2_000 }, new Date('2026-11-21')],
      ['claude-opus-4-1-20250805', { ...usage(5_000, 0, 900), cache_write_input_tokens: 4_000 }, new Date('2026-11-21')],
    ]
    expect(full.price('claude-sonnet-4-5', cases[cases.length - 2]![1])).not.toBeNull()
    for (const [model, u, at] of cases) expect(trimmed.price(model, u, at), model).toEqual(full.price(model, u, at))
    expect(bytes).toBeLessThan(300_000)
  }, 30_000)

  it('keeps only the named providers', () => {
    const source = 'const E = [\n  {\n    id: "anthropic", n: "a]"\n  },\n  {\n    id: "openai", ok: !0\n  }\n];\nexport { E }'
    expect(keepProviders(source, ['openai'])).toBe('const E = [{"id":"openai","ok":true}];\nexport { E }')
  })

  it('fails the build when the package layout changes', () => {
    expect(() => findProviderArray('export const prices = {}')).toThrow(/layout changed/)
    expect(() => keepProviders('const E = [\n  { id: "anthropic" }\n]', ['openai'])).toThrow(/no data for provider\(s\) openai/)
  })
})
