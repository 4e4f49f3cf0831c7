// Short, secret-free descriptions of why an upstream exchange failed, for the client's
// error message and the audit record. undici's fetch wraps the socket error in `cause`.
// Never the exception's own text: it can carry URLs, headers or internal details.

export function describeUpstreamError(err: unknown, timedOut: boolean, timeoutMs: number): string {
  if (timedOut) return `timed out after ${timeoutMs} ms`
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : undefined
  const code = (cause as { code?: unknown } | undefined)?.code ?? (err as { code?: unknown } | null)?.code
  if (typeof code === 'string') {
    switch (code) {
      case 'ECONNREFUSED':
        return 'connection refused'
      case 'ECONNRESET':
      case 'UND_ERR_SOCKET':
        return 'connection reset'
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return 'upstream host not found'
      case 'UND_ERR_CONNECT_TIMEOUT':
        return 'connect timeout'
      case 'UND_ERR_HEADERS_TIMEOUT':
        return 'timed out waiting for response headers'
      case 'UND_ERR_BODY_TIMEOUT':
        return 'timed out waiting for response body'
      default:
        return code.toLowerCase().replace(/^und_err_/, '').replace(/_/g, ' ')
    }
  }
  if (err instanceof Error && err.name === 'AbortError') return 'aborted'
  const name = (cause ?? (err instanceof Error ? err : undefined))?.name
  return `connection failed${name && /^[A-Za-z]{1,40}$/.test(name) ? ` (${name})` : ''}`
}
