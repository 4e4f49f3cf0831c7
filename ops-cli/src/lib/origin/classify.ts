// Who wrote an error text, from the text alone: the proxy (its catalogue), or AWS in front
// of the function. The catalogue goes first: its messages are the proxy's exact words.
import { type CatalogueEntry, PROXY_ERRORS, type ProxyErrorCode, matchCatalogue } from '../../../../lambda/src/contracts/errors.js'
import { matchAwsError } from './aws-errors.js'

export interface ErrorExplanation {
  source: 'proxy' | 'aws'
  code: string
  status: number
  /** The status Codex clients get when it differs (budget_exceeded: 400). */
  codex_status: number | null
  /** The proxy's message prefix; null for AWS errors. */
  message: string | null
  meaning: string
  action: string
}

export function explainProxyError(code: ProxyErrorCode): ErrorExplanation {
  const entry: CatalogueEntry = PROXY_ERRORS[code]
  return { source: 'proxy', code, status: entry.status, codex_status: entry.codexStatus ?? null, message: entry.message, meaning: entry.meaning, action: entry.action }
}

export function classifyErrorText(text: string): ErrorExplanation | undefined {
  const proxy = matchCatalogue(text)
  if (proxy) return explainProxyError(proxy.code)
  const aws = matchAwsError(text)
  if (aws) return { source: 'aws', code: aws.code, status: aws.status, codex_status: null, message: null, meaning: aws.meaning, action: aws.action }
  return undefined
}

export const isProxyErrorCode = (code: string | null): code is ProxyErrorCode => code !== null && Object.hasOwn(PROXY_ERRORS, code)
