// Done-when of issue 15: the real Codex CLI (@openai/codex 0.169.0) holds a ≥ 10-turn,
// tool-using session on a Claude model through `codex-proxy serve --upstreams FILE`
// (kind anthropic), against the strict fake Anthropic API. Every tool call is executed by
// Codex for real (exec_command in a shell, apply_patch on files), and the fake checks each
// result before scripting the next step, and verifies every thinking block's signature.
//
// Codex offers apply_patch (freeform) only to models whose metadata says so: unknown
// `claude-…` ids get fallback metadata without it, so the session uses the model catalogue
// shipped in docs/ (`-c model_catalog_json=…`), as README "Claude upstreams" tells users to.
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuditRecord } from '../../lambda/src/contracts/audit-record.js'
import { readStackFile } from '../../lambda/src/local/stack-file.js'
import { s3Client } from '../../lambda/src/stores/aws-clients.js'
import { scanAuditRecords } from '../../ops-cli/src/lib/audit-scan.js'
import type { ScriptedBlock } from '../support/anthropic-events.js'
import { cli, CODEX, REPO, run, type ServeProcess, startServe } from '../support/cli.js'
import { type AnthropicRequest, type FakeAnthropic, type ScriptedReply, startFakeAnthropic } from '../support/fake-anthropic.js'

const MODEL = 'claude-sonnet-4-5'
const FINAL = 'ALL-DONE-FROM-CLAUDE'
const CATALOG = join(REPO, 'docs/codex-claude-model-catalog.json')

let fake: FakeAnthropic
let serve: ServeProcess
let dataDir: string
let codexHome: string
let work: string
let token: string
/** What each step found in the tool results it was given (proof the tools ran). */
const checks: { step: number; ok: boolean; why: string }[] = []

type Block = { type: string; [k: string]: unknown }
type Msg = { role: string; content: Block[] | string }

/** Text of every tool_result in the last user message. */
function lastResults(req: AnthropicRequest): string[] {
  const msgs = req.body.messages as Msg[]
  const last = msgs[msgs.length - 1]!
  if (typeof last.content === 'string') return []
  return last.content.filter((b) => b.type === 'tool_result').map((b) => (typeof b.content === 'string' ? b.content : JSON.stringify(b.content)))
}

const think = (t: string): ScriptedBlock => ({ type: 'thinking', thinking: t })
const exec = (id: string, cmd: string): ScriptedBlock => ({ type: 'tool_use', id, name: 'exec_command', input: { cmd } })
const patch = (id: string, text: string): ScriptedBlock => ({ type: 'tool_use', id, name: 'apply_patch', input: { input: text } })

/** Step n: what the previous results must show, and the next reply. */
const STEPS: { expect?: (results: string[]) => string | undefined; reply: ScriptedReply }[] = [
  { reply: { blocks: [think('Start by creating the project directory.'), { type: 'text', text: 'Creating the project.' }, exec('toolu_s00', "mkdir -p proj && printf 'alpha\\n' > proj/a.txt && echo made-dir")] } },
  { expect: (r) => (r[0]?.includes('made-dir') ? undefined : 'mkdir did not run'), reply: { blocks: [think('Add b.txt with a patch.'), patch('toolu_s01', '*** Begin Patch\n*** Add File: proj/b.txt\n+beta line\n*** End Patch\n')] } },
  { expect: (r) => (r[0]?.includes('proj/b.txt') ? undefined : 'apply_patch (add) did not report proj/b.txt'), reply: { blocks: [think('Check the new file.'), exec('toolu_s02', 'cat proj/b.txt')] } },
  { expect: (r) => (r[0]?.includes('beta line') ? undefined : 'b.txt lacks the patched line'), reply: { blocks: [think('Edit a.txt — "quoted", ünïcode, \\ backslash.'), patch('toolu_s03', '*** Begin Patch\n*** Update File: proj/a.txt\n@@\n-alpha\n+alpha two\n*** End Patch\n')] } },
  { expect: (r) => (r[0]?.includes('proj/a.txt') ? undefined : 'apply_patch (update) did not report proj/a.txt'), reply: { blocks: [think('Verify the edit.'), exec('toolu_s04', 'cat proj/a.txt')] } },
  { expect: (r) => (r[0]?.includes('alpha two') ? undefined : 'a.txt was not updated'), reply: { blocks: [think('Two commands at once.'), exec('toolu_s05a', 'echo first-parallel'), exec('toolu_s05b', 'echo second-parallel')] } },
  {
    expect: (r) => (r.length === 2 && r.some((x) => x.includes('first-parallel')) && r.some((x) => x.includes('second-parallel')) ? undefined : `parallel results: ${r.length}`),
    reply: { blocks: [think('Remove b.txt.'), patch('toolu_s06', '*** Begin Patch\n*** Delete File: proj/b.txt\n*** End Patch\n')] },
  },
  { expect: (r) => (r[0]?.includes('proj/b.txt') ? undefined : 'apply_patch (delete) did not report proj/b.txt'), reply: { blocks: [think('List the directory.'), exec('toolu_s07', 'ls proj')] } },
  { expect: (r) => (r[0]?.includes('a.txt') && !r[0]?.includes('b.txt') ? undefined : 'ls shows the wrong files'), reply: { blocks: [{ type: 'redacted_thinking' }, exec('toolu_s08', 'wc -l < proj/a.txt')] } },
  { expect: (r) => (/\b1\b/.test(r[0] ?? '') ? undefined : 'wc did not count one line'), reply: { blocks: [think('Upper-case it.'), exec('toolu_s09', "tr a-z A-Z < proj/a.txt")] } },
  { expect: (r) => (r[0]?.includes('ALPHA TWO') ? undefined : 'tr did not run'), reply: { blocks: [think('Done.'), { type: 'text', text: `${FINAL}: proj/a.txt now says "alpha two".` }] } },
]

/** The shorter session on the Bedrock upstream (Claude Haiku through InvokeModelWithResponseStream). */
const BEDROCK_FINAL = 'BEDROCK-SESSION-DONE'
const BEDROCK_STEPS: typeof STEPS = [
  { reply: { blocks: [think('Write the file on Bedrock.'), exec('toolu_b00', "printf 'on bedrock\\n' > br.txt && echo wrote-br")] } },
  { expect: (r) => (r[0]?.includes('wrote-br') ? undefined : 'printf did not run'), reply: { blocks: [think('Patch it.'), patch('toolu_b01', '*** Begin Patch\n*** Update File: br.txt\n@@\n-on bedrock\n+on bedrock, patched\n*** End Patch\n')] } },
  { expect: (r) => (r[0]?.includes('br.txt') ? undefined : 'apply_patch did not report br.txt'), reply: { blocks: [think('Done.'), { type: 'text', text: BEDROCK_FINAL }] } },
]
const bedrockChecks: typeof checks = []

function script(req: AnthropicRequest): ScriptedReply {
  const msgs = req.body.messages as Msg[]
  const step = msgs.filter((m) => m.role === 'assistant').length
  if (req.flavour === 'bedrock') {
    const spec = BEDROCK_STEPS[step]
    if (!spec) return { blocks: [{ type: 'text', text: `unexpected bedrock step ${step}` }] }
    if (spec.expect) {
      const why = spec.expect(lastResults(req))
      bedrockChecks.push({ step, ok: why === undefined, why: why ?? '' })
    }
    return spec.reply
  }
  const spec = STEPS[step]
  if (!spec) return { blocks: [{ type: 'text', text: `unexpected step ${step}` }] }
  if (spec.expect) {
    const why = spec.expect(lastResults(req))
    checks.push({ step, ok: why === undefined, why: why ?? '' })
  }
  // Usage of a cached prefix growing turn by turn: writes on the new part, reads on the rest.
  return { ...spec.reply, usage: { input_tokens: 50 + step, cache_read_input_tokens: 1_000 * step, cache_creation_input_tokens: 900, output_tokens: 60 } }
}

async function auditRecords(): Promise<AuditRecord[]> {
  const info = (await readStackFile(dataDir))!
  const s3 = s3Client({ local: { dynamodbEndpoint: info.dynamodb_endpoint, s3Endpoint: info.s3_endpoint } })
  const out: AuditRecord[] = []
  await scanAuditRecords({ s3, bucket: info.bucket, from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 60_000), onRecord: (r) => void out.push(r) })
  return out.filter((r) => r.path === '/v1/responses').sort((x, y) => (x.request_id < y.request_id ? -1 : 1))
}

/**
 * Records are written after each response has gone to Codex (which closes at
 * response.completed and may exit first): wait until the expected ones are in S3.
 */
async function recordsOf(upstreamId: string, count: number): Promise<AuditRecord[]> {
  let found: AuditRecord[] = []
  for (let i = 0; i < 100; i++) {
    found = (await auditRecords()).filter((r) => r.upstream_id === upstreamId)
    if (found.length >= count) break
    await new Promise((r) => setTimeout(r, 200))
  }
  return found
}

beforeAll(async () => {
  fake = await startFakeAnthropic({ script })
  dataDir = await mkdtemp(join(tmpdir(), 'cxp-claude-e2e-'))
  codexHome = await mkdtemp(join(tmpdir(), 'cxp-claude-codex-'))
  work = await mkdtemp(join(tmpdir(), 'cxp-claude-work-'))
  const poolFile = join(dataDir, 'upstreams.json')
  await writeFile(
    poolFile,
    JSON.stringify({
      upstreams: [
        { id: 'claude', kind: 'anthropic', url: fake.url, key_env: 'CXP_ANTHROPIC_KEY', models: ['claude-sonnet-*'] },
        // The Bedrock runtime client speaks HTTP/2: the fake's h2c port.
        { id: 'claude-bedrock', kind: 'bedrock', url: fake.h2url, region: 'us-west-2', models: { 'claude-haiku-4-5': 'us.anthropic.claude-haiku-4-5-20251001-v1:0' } },
      ],
    }),
  )
  // Bedrock signs with the AWS credential chain (the function role in Lambda; here the environment).
  serve = await startServe({
    dataDir,
    upstreamUrl: 'http://127.0.0.1:9',
    args: ['--upstreams', poolFile],
    env: { CXP_ANTHROPIC_KEY: fake.key, AWS_ACCESS_KEY_ID: 'AKIAE2EBEDROCKFAKE', AWS_SECRET_ACCESS_KEY: 'e2e-fake-secret', AWS_REGION: 'us-west-2' },
  })
  const added = await cli(['tokens', 'add', 'alice', '--local', '--data-dir', dataDir, '--json'])
  expect(added.code, added.stderr).toBe(0)
  token = JSON.parse(added.stdout).token
}, 120_000)

afterAll(async () => {
  await serve?.stop()
  await fake?.close()
  for (const d of [dataDir, codexHome, work]) if (d) await rm(d, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
})

describe('the real Codex CLI on a Claude model through serve', () => {
  let result: Awaited<ReturnType<typeof run>>

  it('completes an 11-request session of exec_command and apply_patch calls', async () => {
    const provider = `model_providers.cxp={name="cxp",base_url="${serve.url}/v1",wire_api="responses",env_key="CXP_TOKEN"}`
    const args = ['exec', '--skip-git-repo-check', '-c', provider, '-c', 'model_provider=cxp', '-c', `model="${MODEL}"`, '-c', `model_catalog_json="${CATALOG}"`, '-c', 'sandbox_mode="danger-full-access"', '-c', 'approval_policy="never"', 'Create proj/a.txt, add and remove proj/b.txt, then report.']
    result = await run(CODEX, args, { cwd: work, env: { CODEX_HOME: codexHome, HOME: codexHome, CXP_TOKEN: token, OPENAI_API_KEY: '', RUST_LOG: 'error' }, timeoutMs: 240_000 })
    expect(result.code, `${result.stdout}\n${result.stderr}\nrejections: ${JSON.stringify(fake.rejections)}`).toBe(0)
    expect(result.stdout).toContain(FINAL)
  }, 300_000)

  it('sent only requests the strict fake accepted: roles, tool pairing, schemas, signed thinking', () => {
    expect(fake.rejections).toEqual([])
    expect(fake.requests.length).toBe(STEPS.length)
  })

  it('executed every tool call: each result the model got shows the command or patch took effect', async () => {
    expect(checks).toHaveLength(STEPS.length - 1)
    expect(checks.filter((c) => !c.ok)).toEqual([])
    expect(await readFile(join(work, 'proj/a.txt'), 'utf8')).toBe('alpha two\n')
    expect(existsSync(join(work, 'proj/b.txt'))).toBe(false)
  })

  it('offered apply_patch as a one-string-field tool and exec_command with its schema, and kept thinking on every turn', () => {
    for (const r of fake.requests) {
      const tools = r.body.tools as { name: string; input_schema: { properties: Record<string, unknown> } }[]
      expect(Object.keys(tools.find((t) => t.name === 'apply_patch')!.input_schema.properties)).toEqual(['input'])
      expect(tools.find((t) => t.name === 'exec_command')!.input_schema.properties).toHaveProperty('cmd')
      expect(r.body.thinking).toMatchObject({ type: 'enabled' })
    }
    // The last request carries every earlier thinking block back, as signed.
    const msgs = fake.requests[fake.requests.length - 1]!.body.messages as Msg[]
    const firstBlocks = msgs.filter((m) => m.role === 'assistant').map((m) => (m.content as Block[])[0]!.type)
    expect(firstBlocks).toEqual(STEPS.slice(0, -1).map((s) => (s.reply.blocks![0]!.type === 'redacted_thinking' ? 'redacted_thinking' : 'thinking')))
  })

  it('recorded every turn with both sides, cache-write usage and a cost', async () => {
    const records = await recordsOf('claude', STEPS.length)
    expect(records).toHaveLength(STEPS.length)
    for (const [i, r] of records.entries()) {
      expect(r).toMatchObject({ user_id: 'alice', upstream_id: 'claude', status: 200, model: MODEL, usage_status: 'reported', cache_write_input_tokens: 900, cached_input_tokens: 1_000 * i })
      expect(r.cost_usd).toBeGreaterThan(0)
      expect(r.request_body).toContain('"type":"custom"') // Codex's own body: apply_patch as a custom tool
      expect(r.upstream_request_body).toContain('"input_schema"') // the Messages body
      expect(r.upstream_response_body).toContain('event: message_start')
      expect(r.response_body).toContain('event: response.completed')
    }
    expect(JSON.stringify(records)).not.toContain(fake.key)
  })
})

describe('the real Codex CLI on Claude through the Bedrock upstream', () => {
  it('completes a tool-using session through InvokeModelWithResponseStream, signed with the credential chain', async () => {
    const before = fake.requests.length
    const provider = `model_providers.cxp={name="cxp",base_url="${serve.url}/v1",wire_api="responses",env_key="CXP_TOKEN"}`
    const home = await mkdtemp(join(tmpdir(), 'cxp-claude-codex-br-'))
    const args = ['exec', '--skip-git-repo-check', '-c', provider, '-c', 'model_provider=cxp', '-c', 'model="claude-haiku-4-5"', '-c', `model_catalog_json="${CATALOG}"`, '-c', 'sandbox_mode="danger-full-access"', '-c', 'approval_policy="never"', 'Write and patch br.txt.']
    const r = await run(CODEX, args, { cwd: work, env: { CODEX_HOME: home, HOME: home, CXP_TOKEN: token, OPENAI_API_KEY: '', RUST_LOG: 'error' }, timeoutMs: 180_000 })
    await rm(home, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
    expect(r.code, `${r.stdout}\n${r.stderr}\nrejections: ${JSON.stringify(fake.rejections)}`).toBe(0)
    expect(r.stdout).toContain(BEDROCK_FINAL)
    const mine = fake.requests.slice(before)
    expect(mine.map((q) => [q.flavour, q.modelId])).toEqual(BEDROCK_STEPS.map(() => ['bedrock', 'us.anthropic.claude-haiku-4-5-20251001-v1:0']))
    for (const q of mine) expect(String(q.headers.authorization)).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAE2EBEDROCKFAKE\/\d{8}\/us-west-2\/bedrock\//)
    expect(fake.rejections).toEqual([])
    expect(bedrockChecks.filter((c) => !c.ok)).toEqual([])
    expect(bedrockChecks).toHaveLength(BEDROCK_STEPS.length - 1)
    expect(await readFile(join(work, 'br.txt'), 'utf8')).toBe('on bedrock, patched\n')
    const records = await recordsOf('claude-bedrock', BEDROCK_STEPS.length)
    expect(records).toHaveLength(BEDROCK_STEPS.length)
    for (const x of records) expect(x).toMatchObject({ status: 200, model: 'claude-haiku-4-5', usage_status: 'reported', cache_write_input_tokens: 800 })
  }, 240_000)
})
