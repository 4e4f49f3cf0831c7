// The production bundle is code-split (lambda/build.ts): the entry plus chunks/ that only
// some deployments load by import() (the Bedrock client and its credential chain). A
// deployment that shipped the entry alone would break only when a Bedrock upstream is
// first used, so: every chunk must load from a task root laid out as deployed, and init
// must load none of the lazy ones.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { LAMBDA_OUT_DIR } from '../../lambda/build.js'
import { taskRootFrom } from './support/ric-process.js'

describe('the code-split Lambda bundle', () => {
  const root = taskRootFrom(LAMBDA_OUT_DIR)
  const chunks = readdirSync(join(root, 'chunks')).filter((f) => f.endsWith('.mjs'))

  it('has lazy chunks, and the Bedrock client is in one of them, not in the entry', () => {
    expect(chunks.length).toBeGreaterThan(0)
    // The Bedrock client's service shape name: in its chunk, not in the entry.
    const service = 'AmazonBedrockFrontendService'
    expect(readFileSync(join(root, 'index.mjs'), 'utf8')).not.toContain(service)
    expect(chunks.some((c) => readFileSync(join(root, 'chunks', c), 'utf8').includes(service))).toBe(true)
  })

  it('loads every chunk from the task root, imports between chunks included', async () => {
    for (const chunk of chunks) await expect(import(pathToFileURL(join(root, 'chunks', chunk)).href)).resolves.toBeDefined()
  })
})
