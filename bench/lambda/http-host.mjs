// The Lambda bundle (dist/lambda/index.mjs) behind a plain node:http server, so a load
// client can time it like any other target: each request becomes a Function URL event
// (payload 2.0), the handler's response stream is decoded as the Function URL front end
// does (JSON prelude + 8 NUL bytes, then the body) and streamed to the client.
// bench/lambda/at-cpu-share.ts runs it inside a cgroup limited to Lambda's CPU share.
// Prints {"port","pid","initMs"} once listening. Plain JS: no loader between Node and the bundle.
import { createServer } from 'node:http'
import { Writable } from 'node:stream'

const bundle = process.argv[2]
const INTEGRATION = 'application/vnd.awslambda.http-integration-response'
globalThis.awslambda = {
  streamifyResponse: (handler) => handler,
  HttpResponseStream: {
    // As the runtime client does (test/support/awslambda-stub.ts): the prelude goes out
    // with the first write.
    from(stream, metadata) {
      stream.setContentType(INTEGRATION)
      stream._onBeforeFirstWrite = (write) => {
        write(JSON.stringify(metadata))
        write(new Uint8Array(8))
      }
      return stream
    },
  },
}

const t0 = performance.now()
const { handler } = await import(bundle)
const initMs = performance.now() - t0

/** A response stream that turns prelude + body into an HTTP response on `res`. */
function responseStream(res) {
  let head = Buffer.alloc(0)
  let headDone = false
  let integration = false
  let first = true
  const w = new Writable({
    write(chunk, _enc, cb) {
      chunk = Buffer.from(chunk)
      if (headDone || !integration) {
        if (!headDone) {
          headDone = true
          res.writeHead(200)
        }
        return res.write(chunk) ? cb() : res.once('drain', cb)
      }
      head = Buffer.concat([head, chunk])
      const nul = head.indexOf(Buffer.alloc(8))
      if (nul < 0) return cb()
      const meta = JSON.parse(head.subarray(0, nul).toString('utf8'))
      headDone = true
      res.writeHead(meta.statusCode ?? 200, meta.headers ?? {})
      const rest = head.subarray(nul + 8)
      if (rest.length) res.write(rest)
      cb()
    },
    final(cb) {
      if (!headDone) res.writeHead(200)
      res.end()
      cb()
    },
  })
  w.setContentType = (type) => {
    integration = type === INTEGRATION
  }
  const rawWrite = w.write.bind(w)
  w.write = (chunk, ...rest) => {
    if (first && typeof w._onBeforeFirstWrite === 'function') w._onBeforeFirstWrite((c) => rawWrite(c))
    first = false
    return rawWrite(chunk, ...rest)
  }
  return w
}

// BENCH_PROFILE_FIRST=FILE: a CPU profile of the first request alone (node:inspector), to
// see what the first request pays that a warm one does not. `%p` in FILE becomes the pid
// (at-cpu-share.ts starts one host per CPU share).
let profileFirst = process.env.BENCH_PROFILE_FIRST?.replaceAll('%p', String(process.pid))
async function profiled(run) {
  if (!profileFirst) return run()
  const file = profileFirst
  profileFirst = undefined
  const { Session } = await import('node:inspector/promises')
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.setSamplingInterval', { interval: 100 })
  await session.post('Profiler.start')
  await run()
  const { profile } = await session.post('Profiler.stop')
  const { writeFileSync } = await import('node:fs')
  writeFileSync(file, JSON.stringify(profile))
}

const server = createServer((req, res) => {
  const chunks = []
  req.on('data', (c) => chunks.push(c))
  req.on('end', () => {
    const url = new URL(req.url, 'http://x')
    const headers = {}
    for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(',') : v
    const body = Buffer.concat(chunks)
    const event = {
      version: '2.0',
      routeKey: '$default',
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      headers: { ...headers, host: 'abc123.lambda-url.us-east-1.on.aws' },
      requestContext: {
        domainName: 'abc123.lambda-url.us-east-1.on.aws',
        http: { method: req.method, path: url.pathname, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
        requestId: crypto.randomUUID(),
        timeEpoch: Date.now(),
      },
      body: body.length ? body.toString('base64') : undefined,
      isBase64Encoded: body.length > 0,
    }
    profiled(() => handler(event, responseStream(res), {})).catch((e) => {
      console.error(e)
      res.destroy()
    })
  })
})
server.keepAliveTimeout = 60_000
// BENCH_PRIME=healthz: one GET /healthz through the handler before listening (builds the
// proxy and its clients), to split the first request's extra cost (an experiment, not a
// shipped behaviour).
if (process.env.BENCH_PRIME === 'healthz') {
  const { PassThrough } = await import('node:stream')
  const sink = new PassThrough()
  sink.resume()
  sink.setContentType = () => {}
  await handler({ version: '2.0', rawPath: '/healthz', rawQueryString: '', headers: { host: 'abc123.lambda-url.us-east-1.on.aws' }, requestContext: { domainName: 'abc123.lambda-url.us-east-1.on.aws', http: { method: 'GET', path: '/healthz', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: '' }, requestId: 'prime', timeEpoch: Date.now() }, isBase64Encoded: false }, sink, {})
}
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port, pid: process.pid, initMs })}\n`)
})
process.on('SIGTERM', () => process.exit(0))
