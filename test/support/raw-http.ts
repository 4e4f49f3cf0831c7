// Raw HTTP/1.1 over a TCP socket, for requests that no well-behaved client library
// would send (duplicate or CRLF-laden headers, lying Content-Length, traversal targets,
// trickled bytes). The caller writes the bytes; this reads the reply until the server
// closes the connection, and parses it.
import { connect, type Socket } from 'node:net'

export interface RawReply {
  /** 0 when the server closed the connection without a status line. */
  status: number
  headers: Record<string, string>
  body: string
  /** Milliseconds from connect to the server closing the connection. */
  ms: number
}

export interface RawOptions {
  /** Writes the request; default writes `data` at once. */
  write?: (socket: Socket) => void | Promise<void>
  /** Give up (and fail) after this long. */
  timeoutMs?: number
}

export function rawExchange(port: number, data: string | Buffer, options: RawOptions = {}): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const startedAt = performance.now()
    const chunks: Buffer[] = []
    const socket = connect(port, '127.0.0.1', () => {
      if (options.write) void Promise.resolve(options.write(socket)).catch(() => {})
      else socket.write(data)
    })
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`no reply within ${options.timeoutMs ?? 15_000} ms`))
    }, options.timeoutMs ?? 15_000)
    socket.on('data', (d: Buffer) => {
      chunks.push(d)
      // Servers keep a connection open after a response unless asked not to; a complete
      // reply is enough.
      const parsed = parseReply(Buffer.concat(chunks))
      if (parsed?.complete) socket.end()
    })
    socket.on('error', () => {})
    socket.on('close', () => {
      clearTimeout(timer)
      const all = Buffer.concat(chunks)
      const parsed = parseReply(all)
      resolve({ status: parsed?.status ?? 0, headers: parsed?.headers ?? {}, body: parsed?.body ?? '', ms: performance.now() - startedAt })
    })
  })
}

function parseReply(all: Buffer): { status: number; headers: Record<string, string>; body: string; complete: boolean } | undefined {
  const end = all.indexOf('\r\n\r\n')
  if (end === -1) return undefined
  const [statusLine, ...lines] = all.subarray(0, end).toString('latin1').split('\r\n')
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1] ?? 0)
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const i = line.indexOf(':')
    headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim()
  }
  const rest = all.subarray(end + 4)
  if (headers['transfer-encoding'] === 'chunked') {
    const { body, complete } = dechunk(rest)
    return { status, headers, body: body.toString('utf8'), complete }
  }
  const length = Number(headers['content-length'] ?? NaN)
  if (Number.isFinite(length)) return { status, headers, body: rest.subarray(0, length).toString('utf8'), complete: rest.length >= length }
  return { status, headers, body: rest.toString('utf8'), complete: false }
}

function dechunk(data: Buffer): { body: Buffer; complete: boolean } {
  const parts: Buffer[] = []
  let at = 0
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at)
    if (lineEnd === -1) return { body: Buffer.concat(parts), complete: false }
    const size = parseInt(data.subarray(at, lineEnd).toString('latin1'), 16)
    if (size === 0) return { body: Buffer.concat(parts), complete: true }
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size))
    at = lineEnd + 2 + size + 2
    if (at > data.length) return { body: Buffer.concat(parts), complete: false }
  }
}

/** A request head; `headers` lines are written verbatim (duplicates and bad bytes allowed). */
export function head(method: string, target: string, headers: string[] = []): string {
  return `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`
}

/** The error code of an OpenAI-shaped proxy error body, or undefined. */
export function errorCode(reply: RawReply): string | undefined {
  try {
    return (JSON.parse(reply.body) as { error?: { code?: string } }).error?.code
  } catch {
    return undefined
  }
}
