// Request bodies sent with a content-encoding. A control that reads the body (allow-list,
// budget, secret scan) must see what the upstream will decode, so gzip, deflate and br
// are decoded here — bounded in size (the request limit) and in expansion ratio — and the
// decoded bytes are forwarded. zstd is decoded where the runtime has it (Node ≥ 22.15,
// the Lambda runtime); elsewhere, and for any other encoding, the body is unreadable.
import * as zlib from 'node:zlib'
import { promisify } from 'node:util'

/** A 1 KB body that inflates to 6 MB is a bomb, not a prompt; JSON compresses ~10–20×. */
export const MAX_DECOMPRESSION_RATIO = 200

export type DecodeResult =
  | { ok: true; bytes: Uint8Array }
  | { ok: false; reason: 'unsupported' | 'corrupt' | 'too-large' | 'ratio'; detail: string }

type Decoder = (buf: Buffer, opts: zlib.ZlibOptions) => Promise<Buffer>
const zstd = (zlib as unknown as { zstdDecompress?: (b: Buffer, o: object, cb: (e: Error | null, r: Buffer) => void) => void }).zstdDecompress
const DECODERS: Record<string, Decoder | undefined> = {
  gzip: promisify(zlib.gunzip) as Decoder,
  'x-gzip': promisify(zlib.gunzip) as Decoder,
  deflate: promisify(zlib.inflate) as Decoder,
  br: promisify(zlib.brotliDecompress) as Decoder,
  ...(zstd && { zstd: promisify(zstd) as Decoder }),
}

/** `content-encoding` value → the codings in the order they were applied; [] for none. */
export function contentCodings(header: string | null): string[] {
  if (header === null) return []
  return header
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity')
}

export async function decodeBody(bytes: Uint8Array, codings: string[], limit: number): Promise<DecodeResult> {
  let out = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  // Codings are listed in the order applied: undo them from the last.
  for (const coding of [...codings].reverse()) {
    const decode = DECODERS[coding]
    if (!decode) return { ok: false, reason: 'unsupported', detail: `content-encoding "${coding}" is not supported (supported: ${Object.keys(DECODERS).join(', ')})` }
    const bound = Math.min(limit, Math.max(64 * 1024, out.byteLength * MAX_DECOMPRESSION_RATIO))
    try {
      out = await decode(out, { maxOutputLength: bound })
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        return bound < limit
          ? { ok: false, reason: 'ratio', detail: `${coding} body expands more than ${MAX_DECOMPRESSION_RATIO}×` }
          : { ok: false, reason: 'too-large', detail: `decoded body exceeds ${limit} bytes` }
      }
      return { ok: false, reason: 'corrupt', detail: `${coding} body could not be decoded` }
    }
  }
  return { ok: true, bytes: new Uint8Array(out.buffer, out.byteOffset, out.byteLength) }
}
