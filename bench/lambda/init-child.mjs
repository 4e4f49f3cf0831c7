// One cold start of the Lambda bundle, in a fresh Node process: the `awslambda` global
// stubbed as the managed runtime provides it (test/support/awslambda-stub.ts explains
// the prelude), environment as the Pulumi program sets it, then
//   import   — module init (what runs at cold start / provisioned-concurrency init), wall
//              and CPU time (CPU is steadier on a shared machine);
//   first    — the first invocation (GET /healthz: builds the proxy and its AWS
//              clients, touches no network).
// Prints one JSON line. Plain JS so that no loader sits between Node and the bundle.
import { PassThrough } from 'node:stream'

const bundle = process.argv[2]
globalThis.awslambda = {
  streamifyResponse: (handler) => handler,
  HttpResponseStream: {
    from(stream, metadata) {
      stream.write(JSON.stringify(metadata))
      stream.write(new Uint8Array(8))
      return stream
    },
  },
}
Object.assign(process.env, {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  CODEX_PROXY_TABLE: 'codex-proxy-tokens',
  CODEX_PROXY_USAGE_TABLE: 'codex-proxy-usage',
  CODEX_PROXY_BUCKET: 'codex-proxy-logs',
  CODEX_PROXY_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:codex-proxy-openai-key',
})

const c0 = process.cpuUsage()
const t0 = performance.now()
const { handler } = await import(bundle)
const t1 = performance.now()
const c1 = process.cpuUsage(c0)
const stream = new PassThrough()
stream.resume()
const event = {
  version: '2.0',
  rawPath: '/healthz',
  rawQueryString: '',
  headers: {},
  requestContext: { http: { method: 'GET', path: '/healthz' }, domainName: 'x.lambda-url.us-east-1.on.aws' },
  isBase64Encoded: false,
}
await handler(event, stream, {})
const t2 = performance.now()
process.stdout.write(`${JSON.stringify({ nodeStartMs: t0, importMs: t1 - t0, importCpuMs: (c1.user + c1.system) / 1000, firstInvocationMs: t2 - t1, rssMiB: process.memoryUsage().rss / 2 ** 20 })}\n`)
