// s3rver's object store with atomic, error-safe writes.
//
// s3rver 3.7.1 (lib/stores/filesystem.js) writes an object straight to its final path,
// `<bucket>/<key>._S3rver_object`: for a streamed upload it pipes the request into a
// write stream that has no 'error' listener, and resolves when the *input* finished, not
// the file. On a full disk the write stream's ENOSPC is an uncaught 'error' event (the
// store process dies) and a truncated object stays at the final path, where listings and
// readers find it (an unreadable `.json.gz`). It also answers 200 before the bytes are
// written.
//
// This subclass keeps s3rver's on-disk layout (so listings, reads and existing data are
// unchanged) and overrides the two write paths: every file (object, `.md5`, metadata) is
// written to a temporary sibling, then renamed into place. The object is renamed last —
// its name is what makes the key exist — so a failed write (ENOSPC, EIO) leaves nothing
// visible, rejects the request (s3rver answers 500; the proxy writes a fallback line), and
// the process lives on. Temporary names end in `.tmp`, which s3rver's listing ignores (it
// keeps only names ending in `._S3rver_object`).
//
// Why a subclass rather than a layout of our own: the CLI, `report usage` and
// `validate --local` read the bucket through the S3 API, so s3rver's layout is the one.
// `serve` itself writes the audit objects through this same class (file-object-store.ts,
// the default `direct` store writes), with createNew: one layout and one class, whichever
// process writes.
import { createHash, randomBytes } from 'node:crypto'
import { createWriteStream, rename as renameCallback, writeFile as writeFileCallback } from 'node:fs'
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { type Readable, Transform } from 'node:stream'
import { promisify } from 'node:util'
import FilesystemStore from 's3rver/lib/stores/filesystem.js'
import S3Object from 's3rver/lib/models/object.js'

interface StoredObject {
  bucket: string
  key: string
  content: Readable | Buffer
  metadata: Record<string, string>
}

// The callback forms, promisified: no FileHandle object per call, measurably less CPU per
// small file than node:fs/promises (bench/local-stores-results.md, "Object writes").
const writeFileFast = promisify(writeFileCallback)
const renameFast = promisify(renameCallback)
/** Bound on the directories createNew remembers as existing (one per day and prefix in the audit layout). */
const MAX_KNOWN_DIRS = 10_000

const tempPath = (path: string) => `${path}.${randomBytes(6).toString('hex')}.tmp`

async function writeFileAtomic(path: string, data: string | Buffer): Promise<void> {
  const temp = tempPath(path)
  try {
    await writeFile(temp, data)
    await rename(temp, path)
  } catch (err) {
    await rm(temp, { force: true })
    throw err
  }
}

/**
 * Pipes the request body through `measure` into `path`. Resolves once the file is written;
 * rejects (never an 'error' event) when any stream fails. Unlike stream.pipeline it does
 * not destroy the request on a write failure: the rest of the body is drained, so s3rver
 * can still answer the client (500) instead of resetting the connection.
 */
function writeBody(input: Readable, measure: Transform, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(path)
    let failed = false
    const fail = (err: Error) => {
      if (failed) return
      failed = true
      input.unpipe(measure)
      measure.unpipe(out)
      out.destroy()
      input.resume()
      reject(err)
    }
    input.once('error', fail)
    measure.once('error', fail)
    out.once('error', fail)
    // A client that goes away mid-body ends the request early without an error on some
    // Node versions: an 'aborted' request is a failure, not a short object.
    input.once('aborted', () => fail(new Error('request aborted before the whole body arrived')))
    out.once('finish', () => {
      if (!failed) resolve()
    })
    input.pipe(measure).pipe(out)
  })
}

export class AtomicFilesystemStore extends FilesystemStore {
  private readonly knownDirs = new Set<string>()

  /**
   * Writes an object whose key does not exist yet (serve's write-once audit objects,
   * file-object-store.ts), in the same layout as putObject with fewer file operations:
   * the sidecars (`.md5`, `metadata.json`) are written in place, alongside the object's
   * temporary file, because nothing reads them before the object's name exists (s3rver's
   * listings and reads start from `._S3rver_object`); the object is renamed into place
   * last, so a failed write (ENOSPC, EIO) leaves no key. Not for keys that may exist: an
   * overwrite through the S3 API goes through putObject, whose sidecars are atomic too.
   */
  async createNew(bucket: string, key: string, content: Buffer, metadata: Record<string, string>): Promise<{ size: number; md5: string }> {
    const objectPath = this.getResourcePath(bucket, key, 'object')
    const md5 = createHash('md5').update(content).digest('hex')
    const write = async () => {
      const temp = tempPath(objectPath)
      try {
        await Promise.all([
          writeFileFast(temp, content),
          writeFileFast(this.getResourcePath(bucket, key, 'object.md5'), md5),
          writeFileFast(this.getResourcePath(bucket, key, 'metadata.json'), JSON.stringify(selectMetadata(metadata), null, 2)),
        ])
        await renameFast(temp, objectPath)
      } catch (err) {
        await rm(temp, { force: true })
        throw err
      }
    }
    const dir = dirname(objectPath)
    if (!this.knownDirs.has(dir)) {
      await mkdir(dir, { recursive: true })
      if (this.knownDirs.size >= MAX_KNOWN_DIRS) this.knownDirs.clear()
      this.knownDirs.add(dir)
      await write()
    } else {
      try {
        await write()
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
        // The directory was removed behind our back (a cleanup): make it again, once.
        this.knownDirs.delete(dir)
        await mkdir(dir, { recursive: true })
        this.knownDirs.add(dir)
        await write()
      }
    }
    return { size: content.length, md5 }
  }

  override async putObject(object: StoredObject): Promise<{ size: number; md5: string }> {
    const objectPath = this.getResourcePath(object.bucket, object.key, 'object')
    await mkdir(dirname(objectPath), { recursive: true })
    const temp = tempPath(objectPath)
    const hash = createHash('md5')
    let size = 0
    try {
      if (Buffer.isBuffer(object.content)) {
        hash.update(object.content)
        size = object.content.length
        await writeFile(temp, object.content)
      } else {
        const measure = new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            hash.update(chunk)
            size += chunk.length
            callback(null, chunk)
          },
        })
        await writeBody(object.content, measure, temp)
      }
      const md5 = hash.digest('hex')
      await this.putMetadata(object.bucket, object.key, object.metadata, md5)
      await rename(temp, objectPath)
      return { size, md5 }
    } catch (err) {
      await rm(temp, { force: true })
      throw err
    }
  }

  override async putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5?: string): Promise<void> {
    const json = selectMetadata(metadata)
    if (md5) await writeFileAtomic(this.getResourcePath(bucket, key, 'object.md5'), md5)
    await writeFileAtomic(this.getResourcePath(bucket, key, 'metadata.json'), JSON.stringify(json, null, 2))
  }
}

/** The same selection as s3rver's own putMetadata. */
function selectMetadata(metadata: Record<string, string>): Record<string, string> {
  const json: Record<string, string> = {}
  for (const [name, value] of Object.entries(metadata)) {
    if ((S3Object.ALLOWED_METADATA as string[]).includes(name) || name.startsWith('x-amz-meta-')) json[name] = value
  }
  return json
}
