// A full or failing disk under the embedded S3 store (issue 10, finding 8). s3rver 3.7.1
// wrote objects in place with no error handler: on ENOSPC the store process died on an
// uncaught 'error' event and left a truncated, unreadable `.json.gz` at the final key.
// With atomic writes (lambda/src/local/atomic-fs-store.ts) a failed write is a failed
// request, nothing partial is visible, the process lives on, and the proxy turns the
// record into a fallback line plus the AuditWriteFailures metric.
//
// The disk-full cases run on a real 4 MiB tmpfs (mounting needs root; they are skipped
// elsewhere, and the interrupted-upload case below covers atomicity without root).
import { execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { AUDIT_FALLBACK_MARKER } from '../../lambda/src/contracts/audit-record.js'
import { type RunningStores, startStoreServers } from '../../lambda/src/local/embedded-stores.js'
import { type LocalProxy, startLocalProxy } from '../../lambda/src/local/local-proxy.js'
import { FileObjectStore } from '../../lambda/src/local/file-object-store.js'
import { ensureBucket } from '../../lambda/src/local/provision.js'
import { s3Client } from '../../lambda/src/stores/aws-clients.js'
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js'
import { CountingMetrics } from '../support/memory-ports.js'
import { leftoverTempFiles, recordsOnDisk } from '../support/records-on-disk.js'

const BUCKET = 'disk-full-test'
const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex')

function canMountTmpfs(): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false
  const probe = join(tmpdir(), `cxp-tmpfs-probe-${process.pid}`)
  try {
    execFileSync('mkdir', ['-p', probe])
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' })
    execFileSync('umount', [probe], { stdio: 'ignore' })
    return true
  } catch {
    return false
  } finally {
    execFileSync('rmdir', [probe])
  }
}

async function mountTmpfs(sizeBytes: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cxp-full-disk-'))
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', dir])
  return dir
}

function unmount(dir: string): void {
  execFileSync('umount', ['-l', dir])
  execFileSync('rmdir', [dir])
}

async function listKeys(s3: S3Client): Promise<string[]> {
  const page = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }))
  return (page.Contents ?? []).map((o) => o.Key!)
}

describe('atomic object writes without root: an upload cut mid-body leaves no object', () => {
  let stores: RunningStores
  let s3: S3Client
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cxp-cut-upload-'))
    stores = await startStoreServers({ dataDir: dir })
    s3 = s3Client({ local: stores })
    await ensureBucket(s3, BUCKET)
  })
  afterAll(async () => {
    await stores.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('a PUT whose connection dies after half its declared body creates nothing visible', async () => {
    const { port } = new URL(stores.s3Endpoint)
    await new Promise<void>((resolve) => {
      // s3rver accepts unsigned requests when no credentials are configured for the check
      // it does not run here; the point is the body, which stops at half.
      const req = request({ host: '127.0.0.1', port, method: 'PUT', path: `/${BUCKET}/cut.json.gz`, headers: { 'content-length': 200_000 } })
      req.on('error', () => resolve())
      req.write(randomBytes(100_000), () => setTimeout(() => req.destroy(), 200))
      req.on('close', () => resolve())
    })
    await new Promise((r) => setTimeout(r, 300))
    expect(await listKeys(s3)).not.toContain('cut.json.gz')
    expect(await leftoverTempFiles(join(dir, 's3'))).toEqual([])
    // The store still takes whole objects.
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'whole', Body: Buffer.from('ok') }))
    expect(await listKeys(s3)).toContain('whole')
  })
})

describe.runIf(canMountTmpfs())('a full disk (real tmpfs)', () => {
  describe('the S3 store alone', () => {
    let dir: string
    let stores: RunningStores
    let s3: S3Client
    beforeAll(async () => {
      dir = await mountTmpfs(4 * 1024 * 1024)
      stores = await startStoreServers({ dataDir: dir })
      s3 = s3Client({ local: stores, maxAttempts: 1 })
      await ensureBucket(s3, BUCKET)
    })
    afterAll(async () => {
      await stores.close()
      unmount(dir)
    })

    it('fails the PUT that does not fit, keeps every stored object whole, and keeps serving', async () => {
      const stored = new Map<string, string>()
      let refused: unknown
      for (let i = 0; i < 40 && !refused; i++) {
        const body = randomBytes(256 * 1024)
        try {
          await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `logs/r${i}.json.gz`, Body: body }))
          stored.set(`logs/r${i}.json.gz`, md5(body))
        } catch (err) {
          refused = err
        }
      }
      // 4 MiB cannot hold 40 × 256 KiB: some PUT failed, with a server error, not a hang.
      expect(refused).toBeDefined()
      expect((refused as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(500)
      // Everything listed reads back byte for byte; nothing partial, no temporaries.
      const keys = await listKeys(s3)
      expect(keys.sort()).toEqual([...stored.keys()].sort())
      for (const key of keys) {
        const got = await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToByteArray()
        expect(md5(got)).toBe(stored.get(key))
      }
      expect(await leftoverTempFiles(join(dir, 's3'))).toEqual([])
      // Space freed: writes work again, in the same process.
      await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: keys[0] }))
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'after', Body: Buffer.from('ok') }))
      expect(await listKeys(s3)).toContain('after')
    }, 60_000)
  })

  describe("serve's direct object writer (FileObjectStore) alone", () => {
    let dir: string
    let stores: RunningStores
    let s3: S3Client
    beforeAll(async () => {
      dir = await mountTmpfs(4 * 1024 * 1024)
      stores = await startStoreServers({ dataDir: dir })
      s3 = s3Client({ local: stores, maxAttempts: 1 })
      await ensureBucket(s3, BUCKET)
    })
    afterAll(async () => {
      await stores.close()
      unmount(dir)
    })

    it('rejects the write that does not fit with ENOSPC, keeps every stored object whole, and writes again once there is space', async () => {
      const objects = new FileObjectStore(join(dir, 's3'), BUCKET)
      const stored = new Map<string, string>()
      let refused: unknown
      for (let i = 0; i < 40 && !refused; i++) {
        const body = randomBytes(256 * 1024)
        try {
          expect(await objects.create(`bodies/r${i}.bin`, body, 'application/octet-stream')).toBe('created')
          stored.set(`bodies/r${i}.bin`, md5(body))
        } catch (err) {
          refused = err
        }
      }
      expect((refused as NodeJS.ErrnoException | undefined)?.code).toBe('ENOSPC')
      // What the readers (s3rver's API) see: only whole objects, no temporaries.
      const keys = await listKeys(s3)
      expect(keys.sort()).toEqual([...stored.keys()].sort())
      for (const key of keys) {
        const got = await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToByteArray()
        expect(md5(got)).toBe(stored.get(key))
      }
      expect(await leftoverTempFiles(join(dir, 's3'))).toEqual([])
      // The refused key was not half-made: it can be written once there is space.
      await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: keys[0] }))
      await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: keys[1] }))
      expect(await objects.create(`bodies/r${stored.size}.bin`, Buffer.from('ok'), 'text/plain')).toBe('created')
      expect(await listKeys(s3)).toContain(`bodies/r${stored.size}.bin`)
    }, 60_000)
  })

  describe('the local host on a full data directory (store child process)', () => {
    let dir: string
    let upstream: FakeOpenAI
    let proxy: LocalProxy
    const metrics = new CountingMetrics()
    const stderr: string[] = []
    const write = process.stderr.write.bind(process.stderr)
    beforeAll(async () => {
      dir = await mountTmpfs(8 * 1024 * 1024)
      upstream = await startFakeOpenAI()
      proxy = await startLocalProxy({ port: 0, dataDir: dir, upstreamUrl: upstream.url, apiKey: 'sk-upstream', metrics, log: () => {} })
      process.stderr.write = ((chunk: string | Uint8Array) => {
        stderr.push(String(chunk))
        return true
      }) as typeof process.stderr.write
    }, 60_000)
    afterEach(() => {
      process.stderr.write = write
    })
    afterAll(async () => {
      process.stderr.write = write
      await proxy.close()
      await upstream.close()
      unmount(dir)
    })

    it('a record that does not fit becomes a fallback line and a metric; the store process lives on', async () => {
      const { token } = await proxy.admin.create({ user: 'alice' })
      const storePid = proxy.storeProcess!.pid
      // Fill the disk: whatever is left after a filler file is far less than one record.
      const free = Number(execFileSync('df', ['--output=avail', '-B1', dir]).toString().split('\n')[1])
      await writeFile(join(dir, 'filler'), Buffer.alloc(Math.max(0, free - 16 * 1024))).catch(() => {})
      // An incompressible 1 MB body: its record cannot fit.
      const body = JSON.stringify({ model: 'gpt-5.1-codex', input: randomBytes(700_000).toString('base64') })
      const res = await fetch(`${proxy.url}/v1/responses`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body })
      expect(res.status).toBe(200)
      await res.arrayBuffer()
      const requestId = res.headers.get('x-codex-proxy-request-id')!
      const deadline = performance.now() + 30_000
      while (!stderr.some((l) => l.includes(requestId)) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50))
      const line = stderr.find((l) => l.startsWith(AUDIT_FALLBACK_MARKER) && l.includes(requestId))
      expect(line).toBeDefined()
      expect(metrics.count('AuditWriteFailures')).toBeGreaterThanOrEqual(1)
      // The fallback file is on the same full disk: stderr says it holds the only copy.
      expect(stderr.join('')).toMatch(/could not append the fallback line above to .*audit-fallback\.log \(ENOSPC\)/)
      // Same store process, healthy, nothing partial on disk.
      expect(proxy.storeProcess!.pid).toBe(storePid)
      expect(proxy.storeProcess!.restarts).toBe(0)
      expect((await fetch(`${proxy.url}/healthz`)).status).toBe(200)
      expect(await leftoverTempFiles(join(dir, 's3'))).toEqual([])
      const readable = await recordsOnDisk(join(dir, 's3'))
      expect(readable.map((r) => r.request_id)).not.toContain(requestId)

      // Space back: the next record is stored normally.
      await rm(join(dir, 'filler'))
      const again = await fetch(`${proxy.url}/v1/models`, { headers: { authorization: `Bearer ${token}` } })
      const againId = again.headers.get('x-codex-proxy-request-id')!
      await again.arrayBuffer()
      const until = performance.now() + 30_000
      while (!(await recordsOnDisk(join(dir, 's3'))).some((r) => r.request_id === againId) && performance.now() < until) await new Promise((r) => setTimeout(r, 100))
      expect((await recordsOnDisk(join(dir, 's3'))).map((r) => r.request_id)).toContain(againId)
    }, 90_000)

    it('DynamoDB on a full disk: dynalite dies on the LevelDB write error; the supervisor brings it back once there is space', async () => {
      const storePid = proxy.storeProcess!.pid
      const free = Number(execFileSync('df', ['--output=avail', '-B1', dir]).toString().split('\n')[1])
      await writeFile(join(dir, 'filler'), Buffer.alloc(Math.max(0, free - 16 * 1024))).catch(() => {})
      // dynalite throws LevelDB's IO error from a callback (dynalite/index.js): the store
      // process exits. Writes keep failing until it is back.
      const big = 'x'.repeat(300_000)
      await proxy.admin.create({ user: 'bob', note: big }).catch(() => {})
      const deadline = performance.now() + 30_000
      while (proxy.storeProcess!.health().ok && performance.now() < deadline) {
        await proxy.admin.create({ user: 'bob', note: big }).catch(() => {})
        await new Promise((r) => setTimeout(r, 50))
      }
      expect(proxy.storeProcess!.health().ok).toBe(false)
      expect((await fetch(`${proxy.url}/healthz`)).status).toBe(503)
      await rm(join(dir, 'filler'))
      const back = performance.now() + 60_000
      while (!proxy.storeProcess!.health().ok && performance.now() < back) await new Promise((r) => setTimeout(r, 100))
      expect(proxy.storeProcess!.health()).toEqual({ ok: true })
      expect(proxy.storeProcess!.pid).not.toBe(storePid)
      // The tables survived the crash: a new token can be made and used.
      const { token } = await proxy.admin.create({ user: 'carol' })
      expect((await fetch(`${proxy.url}/v1/models`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200)
    }, 120_000)
  })
})
