// The embedded DynamoDB- and S3-compatible servers of the local host (dynalite on
// LevelDB, s3rver on a directory), listening on ephemeral loopback ports, so the very
// same AWS SDK code paths run without an AWS account.
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import dynalite from 'dynalite'
import S3rver from 's3rver'
import { AtomicFilesystemStore } from './atomic-fs-store.js'

export interface StoreEndpoints {
  dynamodbEndpoint: string
  s3Endpoint: string
}

export interface RunningStores extends StoreEndpoints {
  close(): Promise<void>
}

export interface StoreOptions {
  /** Persist under this directory; a throwaway temp directory when absent. */
  dataDir?: string
  host?: string
  /** Listen on these ports (a restart keeps the endpoints the clients know); default ephemeral. */
  dynamodbPort?: number
  s3Port?: number
}

export async function startStoreServers(options: StoreOptions = {}): Promise<RunningStores> {
  const host = options.host ?? '127.0.0.1'
  const temp = options.dataDir ? undefined : await mkdtemp(join(tmpdir(), 'codex-proxy-stores-'))
  const root = options.dataDir ?? temp!
  await mkdir(join(root, 's3'), { recursive: true })

  const dynamo = dynalite({
    // In memory for throwaway stores: faster, and nothing to clean up.
    ...(options.dataDir && { path: join(root, 'dynamodb') }),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  })
  await new Promise<void>((resolve, reject) => {
    dynamo.once('error', reject)
    dynamo.listen(options.dynamodbPort ?? 0, host, () => resolve())
  })
  const s3 = new S3rver({ address: host, port: options.s3Port ?? 0, directory: join(root, 's3'), silent: true })
  // Atomic object writes: a full disk fails the request instead of the process, and never
  // leaves a truncated object (atomic-fs-store.ts).
  s3.store = s3.context.store = new AtomicFilesystemStore(join(root, 's3'))
  let s3Address: AddressInfo
  try {
    s3Address = await s3.run()
  } catch (err) {
    dynamo.close()
    throw err
  }
  const dynamoAddress = dynamo.address() as AddressInfo
  return {
    dynamodbEndpoint: `http://${host}:${dynamoAddress.port}`,
    s3Endpoint: `http://${host}:${s3Address.port}`,
    async close() {
      await Promise.all([
        new Promise<void>((resolve) => {
          dynamo.closeAllConnections?.()
          dynamo.close(() => resolve())
        }),
        s3.close().catch(() => {}),
      ])
      if (temp) await rm(temp, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
    },
  }
}
