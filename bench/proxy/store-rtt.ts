// Diagnostic: the first byte through the local host when every DynamoDB/S3 exchange
// takes an extra round trip of `delay` ms (a TCP relay in front of the embedded stores
// holds each chunk towards them), as against AWS instead of loopback emulators. The
// token has an rpm limit and a daily budget, so admission writes to DynamoDB before
// forwarding. Usage: npx tsx bench/proxy/store-rtt.ts [DELAY_MS ...]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startLocalProxy } from '../../lambda/src/local/local-proxy.js'
import { spawnStoreProcess } from '../../lambda/src/local/store-process.js'
import { startFakeOpenAIProcess } from '../../test/support/fake-openai-process.js'
import { hostPort, startTcpFaultProxy } from '../../test/support/tcp-fault-proxy.js'
import { firstTurnBody } from '../codex-corpus.js'
import { LoadClient, median } from './load-client.js'

// The SDK's Node 22 notice is noise here (the SDK is pinned; see ops-cli/bin/run.js).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

const delays = process.argv.slice(2).map(Number)
const dir = mkdtempSync(join(tmpdir(), 'bench-rtt-'))
const stores = await spawnStoreProcess(join(dir, 'stores'))
const dynamo = await startTcpFaultProxy(hostPort(stores.dynamodbEndpoint))
const s3 = await startTcpFaultProxy(hostPort(stores.s3Endpoint))
const upstream = await startFakeOpenAIProcess({ deltas: 20 })
const proxy = await startLocalProxy({ port: 0, dataDir: join(dir, 'data'), upstreamUrl: upstream.url, apiKey: 'sk-bench', storeEndpoints: { dynamodbEndpoint: dynamo.url, s3Endpoint: s3.url }, log: () => {} })
const { token } = await proxy.admin.create({ user: 'bench', policy: { rpm: 1_000_000, budget_daily_usd: 1_000_000 } })
const body = Buffer.from(firstTurnBody(1))
const direct = new LoadClient({ name: 'direct', url: `${upstream.url}/v1/responses`, headers: {} }, body, 1)
const viaProxy = new LoadClient({ name: 'cxp', url: `${proxy.url}/v1/responses`, headers: { authorization: `Bearer ${token}` } }, body, 1)
try {
  for (const delay of delays.length ? delays : [0, 5, 10]) {
    await Promise.all([dynamo.setMode(delay ? 'slow' : 'pass', delay), s3.setMode(delay ? 'slow' : 'pass', delay)])
    await viaProxy.sequential(30, 50)
    // Paced well past the after-response work (audit write, spend update) at this delay.
    const gap = 25 + 4 * delay
    const d = median((await direct.sequential(100, gap)).map((e) => e.ttfbMs))
    const p = median((await viaProxy.sequential(100, gap)).map((e) => e.ttfbMs))
    console.log(`store delay ${String(delay).padStart(3)} ms: first byte p50 direct ${d.toFixed(2)} ms, codex-proxy ${p.toFixed(2)} ms (+${(p - d).toFixed(2)})`)
  }
} finally {
  direct.close()
  viaProxy.close()
  await proxy.close()
  await Promise.all([dynamo.close(), s3.close(), upstream.close()])
  await stores.close()
  rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
}
