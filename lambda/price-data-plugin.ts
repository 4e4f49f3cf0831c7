// esbuild plugin for the Lambda bundle: keeps only the price data of the provider the
// pricer uses. @pydantic/genai-prices inlines every provider's prices as one array
// (~800 KB of 43 providers); OpenAI's is ~42 KB, and evaluating the rest cost ~50 ms of
// cold start. The package itself is unchanged: same code, same data for OpenAI
// (test/unit/lambda-bundle-prices.test.ts compares prices through both).
import { readFile } from 'node:fs/promises'
import type { Plugin } from 'esbuild'

interface ProviderData {
  id: string
}

/** Finds the provider array literal and returns its source span. */
export function findProviderArray(source: string): { start: number; end: number } {
  const marker = /const (\w+) = \[\s*\{\s*id: "/.exec(source)
  if (!marker) throw new Error('genai-prices layout changed: no provider array found; update lambda/price-data-plugin.ts')
  const start = source.indexOf('[', marker.index)
  let depth = 0
  let quote: string | null = null
  for (let i = start; i < source.length; i++) {
    const c = source[i]
    if (quote) {
      if (c === '\\') i++
      else if (c === quote) quote = null
      continue
    }
    if (c === '"' || c === "'" || c === '`') quote = c
    else if (c === '[') depth++
    else if (c === ']' && --depth === 0) return { start, end: i + 1 }
  }
  throw new Error('genai-prices layout changed: unterminated provider array; update lambda/price-data-plugin.ts')
}

export function keepProviders(source: string, providerIds: readonly string[]): string {
  const { start, end } = findProviderArray(source)
  // The array is a plain data literal (strings, numbers, `!0`/`!1`): evaluate it as such.
  const providers = new Function(`return ${source.slice(start, end)}`)() as ProviderData[]
  const kept = providers.filter((p) => providerIds.includes(p.id))
  if (kept.length !== providerIds.length) {
    throw new Error(`genai-prices has no data for provider(s) ${providerIds.filter((id) => !kept.some((p) => p.id === id)).join(', ')}`)
  }
  return `${source.slice(0, start)}${JSON.stringify(kept)}${source.slice(end)}`
}

export function priceDataPlugin(providerIds: readonly string[]): Plugin {
  return {
    name: 'codex-proxy-price-data',
    setup(build) {
      build.onLoad({ filter: /@pydantic[\\/]genai-prices[\\/]dist[\\/]index\.js$/ }, async (args) => ({
        contents: keepProviders(await readFile(args.path, 'utf8'), providerIds),
        loader: 'js',
      }))
    },
  }
}
