// The local host's audit-bucket writer: objects go straight into the data directory, in
// s3rver's on-disk layout, from serve's own process.
//
// Why: through the S3 API each object cost an SDK PutObject plus a HEAD (s3rver ignores
// If-None-Match on PUT, s3-object-store.ts) over loopback, and the store child's CPU to
// parse them (issue 14: s3rver was a quarter of that child's profile). The store child
// keeps serving the S3 API for the readers (`audit list/show --local`, `report`,
// `validate --local`); they see these files exactly as if s3rver had written them,
// because the writer *is* s3rver's store: AtomicFilesystemStore, the class the child uses,
// through its createNew (same layout; the object renamed into place last). Serve is the only
// writer of the bucket locally (one serve per data directory: local-proxy.ts
// refuseIfRunning), so a stat is an honest exists-check.
//
// Failures: a write that fails (ENOSPC, EIO) rejects, and AtomicFilesystemStore leaves
// nothing visible under the object's name; the resilient audit sink then writes the
// fallback line, as it did for an S3 error.
import { readFile, stat } from 'node:fs/promises'
import type { ObjectStore } from '../bodies/object-store.js'
import type { AtomicFilesystemStore } from './atomic-fs-store.js'

export class FileObjectStore implements ObjectStore {
  private loading: Promise<AtomicFilesystemStore> | undefined
  /** Writes in flight by key: a second create of the same key waits for the first (S3 answers a racing conditional write 409). */
  private readonly writing = new Map<string, Promise<'created' | 'exists'>>()

  /** `root`: s3rver's directory (the data directory's `s3/`); `bucket`: the audit bucket, created beforehand. */
  constructor(
    private readonly root: string,
    private readonly bucket: string,
  ) {}

  async create(key: string, body: Uint8Array, contentType: string): Promise<'created' | 'exists'> {
    checkKey(key)
    const running = this.writing.get(key)
    if (running) {
      // The other write's bytes are ours (content-addressed blocks, unique record ids);
      // if it failed, this call tries on its own.
      const outcome = await running.then(
        () => 'exists' as const,
        () => undefined,
      )
      if (outcome) return outcome
      return this.create(key, body, contentType)
    }
    const write = this.write(key, body, contentType)
    this.writing.set(key, write)
    try {
      return await write
    } finally {
      this.writing.delete(key)
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    checkKey(key)
    try {
      return await readFile(await this.objectPath(key))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw err
    }
  }

  private async write(key: string, body: Uint8Array, contentType: string): Promise<'created' | 'exists'> {
    if (await this.exists(key)) return 'exists'
    const content = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
    // The metadata s3rver itself would keep for a PutObject with this Content-Type.
    await (await this.store()).createNew(this.bucket, key, content, { 'content-type': contentType })
    return 'created'
  }

  private async exists(key: string): Promise<boolean> {
    try {
      await stat(await this.objectPath(key))
      return true
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
      throw err
    }
  }

  private async objectPath(key: string): Promise<string> {
    return (await this.store()).getResourcePath(this.bucket, key, 'object')
  }

  /**
   * s3rver's store module, loaded on first use: it and its dependencies (lodash, fs-extra)
   * take ~0.1 s to import, which serve's start-up need not pay (issue 14's start-up goal).
   */
  private store(): Promise<AtomicFilesystemStore> {
    this.loading ??= import('./atomic-fs-store.js').then(
      (m) => new m.AtomicFilesystemStore(this.root),
      (err: unknown) => {
        this.loading = undefined
        throw err
      },
    )
    return this.loading
  }
}

/**
 * Keys come from the audit layout (contracts), never from a client; still, a key that
 * would leave the bucket's directory is refused rather than trusted.
 */
function checkKey(key: string): void {
  if (key === '' || key.startsWith('/') || key.split('/').some((part) => part === '..' || part === '.') || key.includes('\0')) {
    throw new Error(`refusing object key outside the bucket layout: ${JSON.stringify(key.slice(0, 200))}`)
  }
}
