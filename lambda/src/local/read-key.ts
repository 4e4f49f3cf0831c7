// Reading the upstream API key for the local host. As with OpenAI's own proxy
// (codex-rs/responses-api-proxy/src/read_api_key.rs), a piped stdin wins so the key
// need not sit in the environment; else OPENAI_API_KEY; else no key at all.
import { fstatSync } from 'node:fs'
import type { Readable } from 'node:stream'

export const MAX_KEY_BYTES = 1024
const KEY_PATTERN = /^[A-Za-z0-9_-]+$/

export class KeyFormatError extends Error {
  override name = 'KeyFormatError'
}

export type KeyOrigin = 'stdin' | 'env' | 'none'

/** Validates what was read: surrounding whitespace (CRLF from `echo`) is dropped. */
export function parseKey(raw: string): string | undefined {
  const key = raw.trim()
  if (key === '') return undefined
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) throw new KeyFormatError(`the API key is longer than ${MAX_KEY_BYTES} bytes`)
  if (!KEY_PATTERN.test(key)) throw new KeyFormatError('the API key may only contain letters, digits, "-" and "_"')
  return key
}

/** Whether fd 0 is something a key can be piped through (a pipe, socket or file). */
export function stdinIsPiped(fd = 0): boolean {
  try {
    const st = fstatSync(fd)
    return st.isFIFO() || st.isSocket() || st.isFile()
  } catch {
    return false
  }
}

/**
 * Reads a stream to its end, at most `MAX_KEY_BYTES + 1` bytes, giving up after
 * `timeoutMs` so a stdin that stays open without data never blocks startup.
 */
export async function readKeyStream(stream: Readable, timeoutMs: number): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer)
      stream.off('data', onData)
      stream.off('end', done)
      stream.off('error', onError)
      stream.pause()
      resolve(Buffer.concat(chunks).toString('utf8'))
    }
    const onData = (chunk: Buffer) => {
      chunks.push(chunk)
      size += chunk.byteLength
      if (size > MAX_KEY_BYTES + 2) done()
    }
    const onError = (err: Error) => {
      clearTimeout(timer)
      reject(err)
    }
    const timer = setTimeout(done, timeoutMs)
    stream.on('data', onData)
    stream.once('end', done)
    stream.once('error', onError)
  })
}

export async function resolveApiKey(options: {
  stdin: Readable
  stdinPiped: boolean
  env: Record<string, string | undefined>
  timeoutMs?: number
}): Promise<{ key: string | undefined; origin: KeyOrigin }> {
  if (options.stdinPiped) {
    const fromStdin = parseKey(await readKeyStream(options.stdin, options.timeoutMs ?? 3_000))
    if (fromStdin) return { key: fromStdin, origin: 'stdin' }
  }
  const fromEnv = parseKey(options.env.OPENAI_API_KEY ?? '')
  if (fromEnv) return { key: fromEnv, origin: 'env' }
  return { key: undefined, origin: 'none' }
}
