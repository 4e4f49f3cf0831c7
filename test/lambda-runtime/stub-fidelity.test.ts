// The unit tests' `awslambda` stand-in (test/support/awslambda-stub.ts) must behave like
// the real runtime client where the Lambda host depends on it. One small handler runs
// under both, and what a Function URL client would see must be the same.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { captureStream, installAwslambdaStub } from '../support/awslambda-stub.js'
import { type RicProcess, startRic } from './support/ric-process.js'
import { type RuntimeApi, startRuntimeApi } from './support/runtime-api.js'

// Each mode is one way to finish a response; the first two lose the prelude under the
// real client (aws-lambda-nodejs-runtime-interface-client#97).
const HANDLER = `
export const handler = awslambda.streamifyResponse(async (event, responseStream) => {
  const s = awslambda.HttpResponseStream.from(responseStream, { statusCode: 418, headers: { 'x-mode': event.mode } })
  if (event.mode === 'end-with-chunk') s.end('by-end')
  else if (event.mode === 'end-only') s.end()
  else if (event.mode === 'empty-write') { s.write(new Uint8Array(0)); s.end() }
  else if (event.mode === 'empty-string') { s.write(''); s.end() }
  else if (event.mode === 'writes') { s.write('a'); s.write('b'); s.end('c') }
  await new Promise((resolve) => s.on('finish', resolve))
})
`
const MODES = ['end-with-chunk', 'end-only', 'empty-write', 'empty-string', 'writes'] as const

let runtime: RuntimeApi
let ric: RicProcess
let stubHandler: (event: unknown, stream: unknown) => Promise<void>
let root: string

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'cxp-stub-fidelity-'))
  writeFileSync(join(root, 'index.mjs'), HANDLER)
  runtime = await startRuntimeApi()
  ric = startRic({ runtimeApi: runtime.address, taskRoot: root, env: {} })
  installAwslambdaStub()
  stubHandler = (await import(join(root, 'index.mjs'))).handler
})
afterAll(async () => {
  await ric?.stop()
  await runtime?.close()
  if (root) rmSync(root, { recursive: true, force: true })
})

describe('the awslambda stub against the real runtime client', () => {
  for (const mode of MODES) {
    it(`${mode}: same status, headers and body`, async () => {
      const real = await runtime.invoke({ mode }, { timeoutMs: 10_000 })
      const { stream, done } = captureStream()
      await stubHandler({ mode }, stream)
      const stub = await done
      expect({ status: stub.metadata.statusCode, headers: stub.metadata.headers ?? {}, preludeSent: stub.preludeSent, body: stub.body }).toEqual({
        status: real.status,
        headers: real.headers,
        preludeSent: real.preludeSent,
        body: real.body,
      })
      expect(real.preludeSent).toBe(!mode.startsWith('end-'))
    })
  }
})
