// The AWS SDK signer's hash interface (@smithy/signature-v4's `sha256` option) over
// node:crypto: the tests compare our aws4-signed requests with the SDK's own signatures.
import { createHash, createHmac } from 'node:crypto'

type Bytes = string | ArrayBuffer | ArrayBufferView
const toBuffer = (data: Bytes) => (typeof data === 'string' ? Buffer.from(data) : ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data))

export class NodeSha256 {
  private readonly hash
  constructor(secret?: Bytes) {
    this.hash = secret ? createHmac('sha256', toBuffer(secret)) : createHash('sha256')
  }
  update(data: Bytes) {
    this.hash.update(toBuffer(data))
  }
  async digest() {
    return new Uint8Array(this.hash.digest())
  }
}
