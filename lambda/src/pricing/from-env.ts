// The pricer a host runs with: package prices, plus the operator's override JSON given
// inline (CODEX_PROXY_PRICE_OVERRIDES: Lambda, set from Pulumi config) or as a file
// (CODEX_PROXY_PRICE_OVERRIDES_FILE: local host). A bad override file stops startup.
import { readFileSync } from 'node:fs'
import { ConfigError, ENV } from '../contracts/config.js'
import { createPricer, loadPriceOverrides, type Pricer, PriceOverridesError } from './index.js'

export function pricerFromEnv(env: Record<string, string | undefined>): Pricer {
  const inline = env[ENV.priceOverrides]
  const file = env[ENV.priceOverridesFile]
  if (!inline && !file) return createPricer()
  let text: string
  let source: string
  if (inline) {
    text = inline
    source = ENV.priceOverrides
  } else {
    source = file!
    try {
      text = readFileSync(file!, 'utf8')
    } catch (err) {
      throw new ConfigError(`cannot read price overrides ${file}: ${(err as Error).message}`)
    }
  }
  try {
    return createPricer({ overrides: loadPriceOverrides(text) })
  } catch (err) {
    if (err instanceof PriceOverridesError || err instanceof SyntaxError) throw new ConfigError(`price overrides (${source}): ${err.message}`)
    throw err
  }
}
