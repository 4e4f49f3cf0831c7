// The Lambda's audit write, one object PUT, through the AWS SDK (S3ObjectStore over
// @aws-sdk/client-s3, configured as the Lambda used it: default checksums, 5 s per attempt,
// 3 attempts) and through the lean store (S3HttpObjectStore: aws4 + node:http), against
// s3rver in its own process. Per PUT: CPU of this process (what the Lambda pays) and wall
// time, rounds alternating; and the first PUT of each, in a fresh process (what the first
// request paid for loading the SDK's serialiser, checksum and XML machinery).
//   npx tsx bench/lambda/s3-put.ts [puts per round, default 200]
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { S3Client } from '@aws-sdk/client-s3'
import type { ObjectStore } from '../../lambda/src/bodies/object-store.js'
import { ensureBucket } from '../../lambda/src/local/provision.js'
import { spawnStoreProcess } from '../../lambda/src/local/store-process.js'
import { requestHandler } from '../../lambda/src/stores/aws-clients.js'
import { S3HttpObjectStore } from '../../lambda/src/stores/s3-http.js'
import { S3ObjectStore } from '../../lambda/src/stores/s3-object-store.js'

const BUCKET = 'bench-s3-put'
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }
const BODY_BYTES = 55 * 1024

function stores(endpoint: string): Record<'sdk' | 'lean', ObjectStore> {
  const sdk = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: CREDENTIALS, maxAttempts: 3, requestHandler: requestHandler({ requestTimeoutMs: 5_000 }) })
  return {
    sdk: new S3ObjectStore(sdk, BUCKET),
    lean: new S3HttpObjectStore({ bucket: BUCKET, region: 'us-east-1', endpoint, forcePathStyle: true, credentials: () => CREDENTIALS, requestTimeoutMs: 5_000, maxAttempts: 3 }),
  }
}

const cpuNow = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

// Child mode: one fresh process, one PUT, its CPU and wall time.
if (process.argv[2] === '--first') {
  const [, , , which, endpoint] = process.argv
  const store = stores(endpoint!)[which as 'sdk' | 'lean']
  const body = randomBytes(BODY_BYTES)
  const c0 = cpuNow()
  const t0 = performance.now()
  await store.create(`bodies/first-${which}-${Date.now()}`, body, 'application/octet-stream')
  console.log(JSON.stringify({ cpuMs: cpuNow() - c0, wallMs: performance.now() - t0 }))
  process.exit(0)
}

const perRound = Number(process.argv[2] ?? 200) || 200
const dataDir = await mkdtemp(join(tmpdir(), 'cxp-bench-s3-'))
const running = await spawnStoreProcess(dataDir)
try {
  await ensureBucket(new S3Client({ region: 'us-east-1', endpoint: running.s3Endpoint, forcePathStyle: true, credentials: CREDENTIALS }), BUCKET)
  const clients = stores(running.s3Endpoint)
  const figures: Record<string, { cpu: number[]; wall: number[] }> = { sdk: { cpu: [], wall: [] }, lean: { cpu: [], wall: [] } }
  const body = randomBytes(BODY_BYTES)
  for (const name of ['sdk', 'lean'] as const) for (let i = 0; i < 20; i++) await clients[name].create(`warm/${name}/${i}`, body, 'application/octet-stream')
  for (let round = 0; round < 3; round++) {
    for (const name of round % 2 ? (['lean', 'sdk'] as const) : (['sdk', 'lean'] as const)) {
      const c0 = cpuNow()
      for (let i = 0; i < perRound; i++) {
        const t0 = performance.now()
        await clients[name].create(`bodies/${name}/${round}/${i}`, body, 'application/octet-stream')
        figures[name]!.wall.push(performance.now() - t0)
      }
      figures[name]!.cpu.push((cpuNow() - c0) / perRound)
    }
  }
  const first: Record<string, { cpuMs: number; wallMs: number }[]> = { sdk: [], lean: [] }
  for (let i = 0; i < 5; i++) {
    for (const name of ['sdk', 'lean']) {
      first[name]!.push(JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--first', name, running.s3Endpoint], { env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } }).toString()))
    }
  }
  const med = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!
  console.log(`${perRound} PUTs of ${BODY_BYTES / 1024} KiB per client per round, 3 rounds alternating; first PUT: 5 fresh processes each`)
  console.log('| client | CPU per PUT (median of rounds) | wall p50 | first PUT in a fresh process: CPU / wall (median) |')
  console.log('|---|---|---|---|')
  for (const name of ['sdk', 'lean'] as const) {
    const f = figures[name]!
    console.log(`| ${name === 'sdk' ? 'AWS SDK PutObject (S3ObjectStore)' : 'lean PUT (S3HttpObjectStore)'} | ${med(f.cpu).toFixed(3)} ms | ${med(f.wall).toFixed(2)} ms | ${med(first[name]!.map((x) => x.cpuMs)).toFixed(1)} / ${med(first[name]!.map((x) => x.wallMs)).toFixed(1)} ms |`)
  }
  const ratio = med(figures.lean!.cpu) / med(figures.sdk!.cpu)
  console.log(`lean ÷ SDK, CPU per PUT: ${ratio.toFixed(2)}×; first PUT CPU: ${(med(first.lean!.map((x) => x.cpuMs)) / med(first.sdk!.map((x) => x.cpuMs))).toFixed(2)}×`)
} finally {
  await running.close()
}
