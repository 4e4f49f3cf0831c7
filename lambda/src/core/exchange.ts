// The typed request context: everything known about one request as it passes through the
// stages, and the audit record built from it at the end (stages/finish.ts).
import { isUtf8 } from 'node:buffer'
import type { AuditRecord, SecretFinding, UsageStatus } from '../contracts/audit-record.js'
import type { Endpoint } from '../contracts/endpoints.js'
import type { ProxyErrorCode } from '../contracts/errors.js'
import type { BudgetPolicy, Caller } from '../contracts/tables.js'
import type { Usage } from '../contracts/usage.js'
import { textUpTo } from './bytes.js'
import { clientIds } from './client-ids.js'
import type { Admission } from './governance/governor.js'
import { recordedRequestHeaders, redactedHeaderMap } from './headers.js'
import type { BodyBytes, RecordBodies } from './ports.js'
import { redactProxyTokens } from './token-hygiene.js'

/** Whether the request body went through the secret scanner, and how that ended. */
export type ScanStatus = 'clean' | 'findings' | 'skipped' | 'incomplete'

export class Exchange {
  caller: Caller | undefined
  path: string
  query: string | null = null
  endpoint: Endpoint | undefined

  // Request body facts (stages/inspect-body.ts).
  /** The body as received, after content-encoding was decoded. */
  body: Uint8Array | undefined
  /** The body's text, decoded once for the stages that read it. */
  bodyText: string | undefined
  /** The parsed JSON object, when the body is one. */
  json: Record<string, unknown> | undefined
  model: string | null = null
  stream: boolean | null = null
  maxOutputTokens: number | null = null
  /** Choices requested (`n`, chat/completions); 1 when absent. */
  choices = 1
  previousResponseId: string | null = null
  /** Bytes to send upstream when they differ from `body` (redaction). */
  forwardBody: Uint8Array | undefined
  /** Sent upstream as `content-encoding` when the body could not be decoded and is forwarded as is. */
  forwardContentEncoding: string | undefined
  /** Body text for the record when it differs from the bytes received (redaction). */
  requestBodyForRecord: string | undefined
  requestBodyBytes: number | null

  // Controls.
  scanStatus: ScanStatus | null = null
  secretFindings: SecretFinding[] = []
  admission: Admission | undefined
  /** The request's allowed tag (x-codex-proxy-tag) and its budgets (stages/tag-policy.ts). */
  tag: { name: string; policy: BudgetPolicy | undefined } | undefined
  /** Background work of the exchange (budget alerts) that finish awaits before the record. */
  readonly background: Promise<unknown>[] = []
  /** The target or headers carried a proxy token: it is cut out of the record. */
  tokenMisplaced = false

  // Upstream pool (core/upstreams/, stages/forward.ts).
  /** The pool member that answered. */
  upstreamId: string | null = null
  upstreamAttempts: AuditRecord['upstream_attempts'] = []
  /** Translating upstreams (Claude): the body sent upstream, and the provider's raw stream (read at record time). */
  upstreamRequestBody: string | undefined
  upstreamResponseBody: (() => string) | undefined

  // Response side.
  status = 0
  origin: 'upstream' | 'proxy' = 'proxy'
  errorCode: ProxyErrorCode | null = null
  upstreamError: string | null = null
  clientAborted = false
  firstByteAt: number | null = null
  responseHeaders: Headers | undefined
  responseBody: Uint8Array | undefined
  responseBodyBytes: number | null = null
  responseTruncated = false
  /** The upstream's answer was complete: a terminal Responses event, or the whole body. */
  responseComplete = false
  usage: Usage | null = null
  usageStatus: UsageStatus = 'none'
  responseModel: string | null = null
  costUsd: number | null = null
  endedMono: number | undefined

  constructor(
    readonly requestId: string,
    readonly startedAt: number,
    readonly startedMono: number,
    readonly method: string,
    readonly rawTarget: string,
    readonly requestHeaders: Headers,
    readonly version: string,
  ) {
    this.path = rawTarget.split('?')[0]!
    const declared = requestHeaders.get('content-length')
    this.requestBodyBytes = declared !== null && /^\d+$/.test(declared) ? Number(declared) : null
  }

  /** Drops the body's decoded text and parsed object once the upstream call is made (the record is built from the bytes). */
  releaseParsedBody(): void {
    this.bodyText = undefined
    this.json = undefined
  }

  /** The bytes the upstream gets. */
  get outgoingBody(): Uint8Array | undefined {
    return this.forwardBody ?? this.body
  }

  toRecord(endedMono: number, capBytes: number): AuditRecord {
    const h = this.requestHeaders
    // The redacted text, else the bytes received (what went upstream, when the pool changed
    // it, is `upstream_request_body`).
    const recordText = this.requestBodyForRecord
    const req =
      recordText !== undefined
        ? textUpTo(new TextEncoder().encode(recordText), capBytes)
        : this.body
          ? textUpTo(this.body, capBytes)
          : undefined
    const res = this.responseBody ? textUpTo(this.responseBody, capBytes) : undefined
    const u = this.usage
    // A misplaced token never reaches a record: cut it from every request-side string.
    const clean = (s: string | null) => (s !== null && this.tokenMisplaced ? redactProxyTokens(s) : s)
    return {
      request_id: this.requestId,
      timestamp: new Date(this.startedAt).toISOString(),
      proxy_version: this.version,
      user_id: this.caller?.user_id ?? null,
      team: this.caller?.team ?? null,
      token_id: this.caller?.token_id ?? null,
      method: this.method,
      path: clean(this.path)!,
      query: clean(this.query),
      model: this.model,
      response_model: this.responseModel,
      stream: this.stream,
      status: this.status,
      origin: this.origin,
      error_code: this.errorCode,
      upstream_error: this.upstreamError,
      client_aborted: this.clientAborted,
      latency_ms: Math.round(endedMono - this.startedMono),
      ttfb_ms: this.firstByteAt === null ? null : Math.round(this.firstByteAt - this.startedMono),
      usage_status: this.usageStatus,
      input_tokens: u?.input_tokens ?? null,
      cached_input_tokens: u?.cached_input_tokens ?? null,
      cache_write_input_tokens: u?.cache_write_input_tokens ?? null,
      output_tokens: u?.output_tokens ?? null,
      reasoning_tokens: u?.reasoning_tokens ?? null,
      total_tokens: u?.total_tokens ?? null,
      cost_usd: this.costUsd,
      client: clientIds(h, clean),
      request_headers: recordedRequestHeaders(h, this.tokenMisplaced ? redactProxyTokens : (v) => v),
      response_headers: this.responseHeaders ? redactedHeaderMap(this.responseHeaders) : null,
      request_body: this.tokenMisplaced ? null : (req?.text ?? null),
      response_body: res?.text ?? null,
      request_body_bytes: this.body ? this.body.byteLength : this.requestBodyBytes,
      response_body_bytes: this.responseBodyBytes,
      truncated: { request_body: req?.truncated ?? false, response_body: this.responseTruncated || (res?.truncated ?? false) },
      secret_scan: this.scanStatus,
      secret_findings: this.secretFindings,
      upstream_id: this.upstreamId,
      upstream_attempts: this.upstreamAttempts,
      upstream_request_body: capText(this.upstreamRequestBody, capBytes),
      upstream_response_body: capText(this.upstreamResponseBody?.(), capBytes),
    }
  }

  /**
   * The exact bytes for the audit store (v2): the request as forwarded (or its redacted
   * form, with the hash of the bytes received), the response as received up to the cap
   * (redacted when the request was scanned: upstreams echo parts of it). A request that
   * carried a misplaced proxy token is stored with the token cut out.
   */
  recordBodies(scannedResponse: ScannedResponse | undefined, capBytes: number): RecordBodies {
    let request: BodyBytes | undefined
    if (this.body && this.body.byteLength > 0) {
      if (this.tokenMisplaced) {
        const text = this.requestBodyForRecord ?? new TextDecoder().decode(this.body)
        request = { stored: new TextEncoder().encode(redactProxyTokens(text)), redacted: true, truncated: false }
      } else if (this.requestBodyForRecord !== undefined) {
        request = { stored: new TextEncoder().encode(this.requestBodyForRecord), original: this.body, redacted: true, truncated: false }
      } else {
        request = { stored: this.forwardBody ?? this.body, redacted: false, truncated: false }
      }
      // The body cap applies to stored requests as to records; the hash of the whole
      // body stays in `original`.
      if (request.stored.byteLength > capBytes) {
        request = { stored: request.stored.subarray(0, capBytes), original: request.original ?? request.stored, redacted: request.redacted, truncated: true }
      }
    }
    let response: BodyBytes | undefined
    if (this.responseBody && this.responseBody.byteLength > 0) {
      const truncated = this.responseTruncated || (this.responseBodyBytes ?? 0) > this.responseBody.byteLength
      if (!scannedResponse) response = { stored: this.responseBody, redacted: false, truncated }
      else if (scannedResponse.text !== null) {
        // The record's text is the redacted response; unchanged text stores the bytes as received.
        if (scannedResponse.unchanged && decodesLosslessly(this.responseBody)) {
          // Its text encodes back to these very bytes: skip encoding and comparing (a 10 MiB
          // answer cost two more copies of itself here).
          response = { stored: this.responseBody, redacted: false, truncated }
        } else {
          const stored = new TextEncoder().encode(scannedResponse.text)
          response = bytesView(stored).equals(bytesView(this.responseBody))
            ? { stored: this.responseBody, redacted: false, truncated }
            : { stored, original: this.responseBody, redacted: true, truncated }
        }
      }
      // A response whose scan did not finish is not stored (as in the record).
    }
    return { request, response }
  }
}

/** The scanned response text for the body store; `unchanged`: redaction left the record's text as decoded. */
export interface ScannedResponse {
  text: string | null
  unchanged?: boolean
}

/**
 * Whether `textUpTo` (a lenient TextDecoder, which drops a leading BOM and turns invalid
 * sequences into U+FFFD) gives text that encodes back to exactly these bytes.
 */
export function decodesLosslessly(bytes: Uint8Array): boolean {
  const bom = bytes.byteLength >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf
  return !bom && isUtf8(bytes)
}

/** A Buffer over the same memory (Buffer.from(Uint8Array) would copy it). */
function bytesView(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

function capText(text: string | undefined, capBytes: number): string | null {
  return text === undefined ? null : textUpTo(new TextEncoder().encode(text), capBytes).text
}
