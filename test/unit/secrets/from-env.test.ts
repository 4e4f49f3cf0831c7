import { describe, expect, it } from 'vitest'
import { ConfigError, ENV } from '../../../lambda/src/contracts/config.js'
import { secretScannerFromEnv } from '../../../lambda/src/secrets/from-env.js'

const card = 'card 4111 1111 1111 1111'

describe('scanner from environment', () => {
  it('leaves the PII detectors off by default and with CODEX_PROXY_PII_SCAN=off', () => {
    expect(ENV.piiScan).toBe('CODEX_PROXY_PII_SCAN')
    expect(secretScannerFromEnv({}).scanText(card)).toEqual([])
    expect(secretScannerFromEnv({ [ENV.piiScan]: 'off' }).scanText(card)).toEqual([])
  })

  it.each(['flag', 'redact', 'block'])('runs them when CODEX_PROXY_PII_SCAN=%s', (mode) => {
    expect(secretScannerFromEnv({ [ENV.piiScan]: mode }).scanText(card).map((m) => m.rule_id)).toEqual(['pii-payment-card'])
  })

  it('refuses an unknown mode', () => {
    expect(() => secretScannerFromEnv({ [ENV.piiScan]: 'yes' })).toThrow(ConfigError)
  })
})
