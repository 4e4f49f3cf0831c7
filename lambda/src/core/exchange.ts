// Everything known about one request as it passes through the proxy, and the audit
// record built from it at the end.
import type { AuditRecord, SecretFinding, UsageStatus } from '../contracts/audit-record.js'
import type { ProxyErrorCode } from '../contracts/errors.js'
import type { Caller } from '../contracts/tables.js'
import { textUpTo } from './bytes.js'
import { clientIds } from './client-ids.js'
import { redactedHeaderMap } from './headers.js'
import type { BodyBytes, RecordBodies } from './ports.js'
import type { Usage } from './usage.js'

export class Exchange {
  caller: Caller | undefined
  path: string
  query: string | null = null
  model: string | null = null
  responseModel: string | null = null
  stream: boolean | null = null
  requestBody: Uint8Array | undefined
  /** Body text for the record when it differs from the bytes sent (redaction). */
  requestBodyForRecord: string | undefined
  /** The bytes forwarded upstream when they differ from the client's (redact mode). */
  forwardedBody: Uint8Array | undefined
  requestBodyBytes: number | null
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
  usage: Usage | null = null
  usageStatus: UsageStatus = 'none'
  costUsd: number | null = null
  secretFindings: SecretFinding[] = []
  /** The request body went through the secret scanner (so stored bodies are redacted). */
  scanned = false

  constructor(
    readonly requestId: string,
    readonly startedAt: number,
    readonly startedMono: number,
    readonly method: string,
    rawPath: string,
    readonly requestHeaders: Headers,
    readonly version: string,
  ) {
    this.path = rawPath
    const declared = requestHeaders.get('content-length')
    this.requestBodyBytes = declared !== null && /^\d+$/.test(declared) ? Number(declared) : null
  }

  toRecord(endedMono: number, capBytes: number): AuditRecord {
    const h = this.requestHeaders
    const req =
      this.requestBodyForRecord !== undefined
        ? textUpTo(new TextEncoder().encode(this.requestBodyForRecord), capBytes)
        : this.requestBody
          ? textUpTo(this.requestBody, capBytes)
          : undefined
    const res = this.responseBody ? textUpTo(this.responseBody, capBytes) : undefined
    const u = this.usage
    return {
      request_id: this.requestId,
      timestamp: new Date(this.startedAt).toISOString(),
      proxy_version: this.version,
      user_id: this.caller?.user_id ?? null,
      team: this.caller?.team ?? null,
      token_id: this.caller?.token_id ?? null,
      method: this.method,
      path: this.path,
      query: this.query,
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
      output_tokens: u?.output_tokens ?? null,
      reasoning_tokens: u?.reasoning_tokens ?? null,
      total_tokens: u?.total_tokens ?? null,
      cost_usd: this.costUsd,
      client: clientIds(h),
      request_headers: redactedHeaderMap(h),
      response_headers: this.responseHeaders ? redactedHeaderMap(this.responseHeaders) : null,
      request_body: req?.text ?? null,
      response_body: res?.text ?? null,
      request_body_bytes: this.requestBody ? this.requestBody.byteLength : this.requestBodyBytes,
      response_body_bytes: this.responseBodyBytes,
      truncated: { request_body: req?.truncated ?? false, response_body: this.responseTruncated || (res?.truncated ?? false) },
      secret_findings: this.secretFindings,
    }
  }

  /**
   * The exact bytes for the audit store (v2): the request as forwarded (or its redacted
   * form, with the original's hash), the response as received up to the cap (redacted when
   * the request was scanned: upstreams echo parts of it).
   */
  recordBodies(redactResponse?: (text: string) => string): RecordBodies {
    let request: BodyBytes | undefined
    if (this.requestBody && this.requestBody.byteLength > 0) {
      request =
        this.requestBodyForRecord !== undefined
          ? { stored: new TextEncoder().encode(this.requestBodyForRecord), original: this.requestBody, redacted: true, truncated: false }
          : { stored: this.forwardedBody ?? this.requestBody, redacted: false, truncated: false }
    }
    let response: BodyBytes | undefined
    if (this.responseBody && this.responseBody.byteLength > 0) {
      const truncated = this.responseTruncated || (this.responseBodyBytes ?? 0) > this.responseBody.byteLength
      response = { stored: this.responseBody, redacted: false, truncated }
      if (redactResponse) {
        const text = new TextDecoder().decode(this.responseBody)
        const redacted = redactResponse(text)
        if (redacted !== text) response = { stored: new TextEncoder().encode(redacted), original: this.responseBody, redacted: true, truncated }
      }
    }
    return { request, response }
  }
}
