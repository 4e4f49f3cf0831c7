// How a stage stops a request: a catalogue error code with optional detail and headers.
// The pipeline turns it into the OpenAI-shaped error response (proxy.ts `respondWithError`).
import type { ProxyErrorCode } from '../contracts/errors.js'

export interface Refusal {
  code: ProxyErrorCode
  detail?: string
  headers?: Record<string, string>
}

export const refuse = (code: ProxyErrorCode, detail?: string, headers?: Record<string, string>): Refusal => ({
  code,
  ...(detail !== undefined && { detail }),
  ...(headers !== undefined && { headers }),
})
