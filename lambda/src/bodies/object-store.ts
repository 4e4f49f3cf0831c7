// The write-once object store the body writer and reader use (S3 in both hosts).

export interface ObjectStore {
  /**
   * Writes a new object. Resolves 'exists' when the key already holds one: an object is
   * never rewritten (Object Lock, and blocks are content-addressed so the bytes are equal).
   */
  create(key: string, body: Uint8Array, contentType: string): Promise<'created' | 'exists'>
  /** The object's bytes, or undefined when there is none. */
  get(key: string): Promise<Uint8Array | undefined>
}

/** In-memory store for tests and the bench; counts the calls a real store would bill. */
export class MemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, Uint8Array>()
  creates = 0
  gets: string[] = []

  async create(key: string, body: Uint8Array): Promise<'created' | 'exists'> {
    this.creates += 1
    if (this.objects.has(key)) return 'exists'
    this.objects.set(key, Uint8Array.from(body))
    return 'created'
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    this.gets.push(key)
    return this.objects.get(key)
  }

  storedBytes(prefix = ''): number {
    let total = 0
    for (const [k, v] of this.objects) if (k.startsWith(prefix)) total += v.byteLength
    return total
  }
}
