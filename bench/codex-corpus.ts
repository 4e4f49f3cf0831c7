// Realistic Codex request bodies for the secret-scan benchmark: the shape Codex CLI
// sends to `POST /v1/responses` (instructions, tools, and the whole history in `input`
// on every turn), filled with this repository's own dependencies' source code, its
// package-lock.json, synthetic logs, reasoning items with encrypted blobs, and a few
// screenshots as base64 data URLs. Deterministic: a seeded PRNG and sorted file lists.
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

export interface CorpusOptions {
  /** Target size of the serialised body in bytes. */
  targetBytes: number
  seed?: number
  /** Images (base64 PNG-like data URLs, ~120 KB each) per MB of body. */
  imagesPerMb?: number
}

type Item = Record<string, unknown>

export interface CodexBody {
  model: string
  instructions: string
  input: Item[]
  tools: Item[]
  tool_choice: string
  parallel_tool_calls: boolean
  reasoning: Item
  store: boolean
  stream: boolean
  include: string[]
  prompt_cache_key: string
}

/** Mulberry32: small, fast, good enough for corpus shapes. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const SOURCE_ROOTS = [
  'node_modules/@oclif/core/lib',
  'node_modules/vitest/dist',
  'node_modules/@aws-sdk/client-dynamodb/dist-cjs',
  'node_modules/@smithy',
  'node_modules/typescript/lib',
  'node_modules/esbuild/lib',
]

let sourceFiles: string[] | undefined
function listSourceFiles(repoRoot: string): string[] {
  if (sourceFiles) return sourceFiles
  const found: string[] = []
  const walk = (dir: string, depth: number): void => {
    let names: string[]
    try {
      names = readdirSync(dir).sort()
    } catch {
      return
    }
    for (const name of names) {
      const path = join(dir, name)
      const stat = statSync(path)
      if (stat.isDirectory()) {
        if (depth < 5) walk(path, depth + 1)
      } else if (/\.(?:[cm]?js|d\.ts|ts)$/.test(name) && !name.includes('.min.') && stat.size > 1_000 && stat.size < 150_000) {
        found.push(path)
      }
    }
  }
  for (const root of SOURCE_ROOTS) walk(join(repoRoot, root), 0)
  sourceFiles = found
  return found
}

const WORDS =
  'the a to of and in for is on that with as it be this by are or from at your not when use run file test code change make sure each tool call command output result should user must only if you can will patch repository review explain before after'.split(
    ' ',
  )

function prose(rand: () => number, chars: number): string {
  let out = ''
  while (out.length < chars) {
    const n = 8 + Math.floor(rand() * 14)
    const words: string[] = []
    for (let i = 0; i < n; i++) words.push(WORDS[Math.floor(rand() * WORDS.length)]!)
    out += words.join(' ') + '. '
    if (rand() < 0.15) out += '\n\n- '
  }
  return out.slice(0, chars)
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
function base64Blob(rand: () => number, chars: number): string {
  let out = ''
  for (let i = 0; i < chars; i++) out += B64[Math.floor(rand() * 64)]
  return out
}

function hex(rand: () => number, n: number): string {
  let out = ''
  for (let i = 0; i < n; i++) out += '0123456789abcdef'[Math.floor(rand() * 16)]
  return out
}

function uuid(rand: () => number): string {
  const h = hex(rand, 32)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`
}

function logLines(rand: () => number, chars: number): string {
  const levels = ['INFO', 'DEBUG', 'WARN', 'ERROR']
  let out = ''
  let t = Date.UTC(2025, 0, 15, 9, 0, 0)
  while (out.length < chars) {
    t += Math.floor(rand() * 900)
    const level = levels[Math.floor(rand() * levels.length)]
    out += `${new Date(t).toISOString()} ${level} [req ${uuid(rand)}] ${prose(rand, 40 + Math.floor(rand() * 80)).replace(/\n/g, ' ')} sha=${hex(rand, 40)} took=${Math.floor(rand() * 900)}ms\n`
  }
  return out
}

function tools(rand: () => number): Item[] {
  const names = ['shell', 'apply_patch', 'update_plan', 'view_image', 'web_search', 'read_file', 'list_dir', 'grep_files']
  return names.map((name) => ({
    type: 'function',
    name,
    description: prose(rand, 1_500 + Math.floor(rand() * 2_500)),
    strict: false,
    parameters: {
      type: 'object',
      properties: {
        command: { type: 'array', items: { type: 'string' }, description: prose(rand, 300) },
        workdir: { type: 'string', description: prose(rand, 120) },
        timeout_ms: { type: 'number', description: prose(rand, 100) },
      },
      required: ['command'],
      additionalProperties: false,
    },
  }))
}

/** One agent step: reasoning, a tool call and its output, sometimes an assistant message or an image. */
function turnItems(rand: () => number, repoRoot: string, lock: string, files: string[], imageChance: number): Item[] {
  const items: Item[] = []
  const callId = `call_${hex(rand, 24)}`
  items.push({
    type: 'reasoning',
    id: `rs_${hex(rand, 40)}`,
    summary: [{ type: 'summary_text', text: prose(rand, 200 + Math.floor(rand() * 400)) }],
    encrypted_content: base64Blob(rand, 1_500 + Math.floor(rand() * 4_000)),
  })
  const kind = rand()
  let output: string
  let command: string[]
  if (kind < 0.6) {
    const file = files[Math.floor(rand() * files.length)]!
    command = ['bash', '-lc', `cat ${file}`]
    output = readFileSync(join(repoRoot, file), 'utf8')
  } else if (kind < 0.75) {
    const from = Math.floor(rand() * Math.max(1, lock.length - 40_000))
    command = ['bash', '-lc', 'sed -n 1,2000p package-lock.json']
    output = lock.slice(from, from + 10_000 + Math.floor(rand() * 30_000))
  } else {
    command = ['bash', '-lc', 'npm test 2>&1 | tail -n 400']
    output = logLines(rand, 5_000 + Math.floor(rand() * 40_000))
  }
  items.push({
    type: 'function_call',
    id: `fc_${hex(rand, 40)}`,
    name: 'shell',
    arguments: JSON.stringify({ command, workdir: '/home/dev/project', timeout_ms: 120000 }),
    call_id: callId,
  })
  items.push({
    type: 'function_call_output',
    call_id: callId,
    output: JSON.stringify({ output, metadata: { exit_code: 0, duration_seconds: Math.round(rand() * 100) / 10 } }),
  })
  if (rand() < imageChance) {
    items.push({
      type: 'message',
      role: 'user',
      content: [
        { type: 'input_text', text: 'Here is a screenshot of the failure.' },
        { type: 'input_image', image_url: `data:image/png;base64,${base64Blob(rand, 120_000)}`, detail: 'auto' },
      ],
    })
  }
  if (rand() < 0.3) {
    items.push({
      type: 'message',
      role: 'assistant',
      id: `msg_${hex(rand, 40)}`,
      content: [{ type: 'output_text', text: prose(rand, 300 + Math.floor(rand() * 1_500)), annotations: [] }],
    })
  }
  if (rand() < 0.2) {
    items.push({
      type: 'custom_tool_call',
      id: `ctc_${hex(rand, 40)}`,
      call_id: `call_${hex(rand, 24)}`,
      name: 'apply_patch',
      input: `*** Begin Patch\n*** Update File: src/app.ts\n@@\n-${prose(rand, 80)}\n+${prose(rand, 80)}\n*** End Patch`,
    })
  }
  return items
}

export interface Conversation {
  /** Bodies of successive turns; each resends the previous turns' items. */
  bodies: string[]
}

/**
 * A conversation whose last body is about `targetBytes`, and the body just before it
 * whose items are a prefix of it (the previous turn). `growthRatio` is the share of the
 * last body that is new in the last turn.
 */
export function codexConversation(repoRoot: string, options: CorpusOptions & { growthRatio?: number }): { previous: string; current: string } {
  const rand = prng(options.seed ?? 1)
  const files = listSourceFiles(repoRoot).map((f) => f.slice(repoRoot.length + 1))
  const lock = readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')
  // One agent step adds ~20 KB on average, so this many images per step gives imagesPerMb.
  const imageChance = Math.min(1, (options.imagesPerMb ?? 1) * 0.02)
  const body: CodexBody = {
    model: 'gpt-5-codex',
    instructions: prose(rand, 22_000),
    input: [
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: `<environment_context>\n  <cwd>/home/dev/project</cwd>\n  <shell>bash</shell>\n</environment_context>` }] },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'The integration tests fail since yesterday; find out why and fix it.' }] },
    ],
    ...requestEnvelope(rand),
  }
  const size = (): number => Buffer.byteLength(JSON.stringify(body))
  const growth = options.growthRatio ?? 0.05
  // Grow to the previous turn's size, then add ~growthRatio of new items.
  const previousTarget = options.targetBytes * (1 - growth)
  while (size() < previousTarget) body.input.push(...turnItems(rand, repoRoot, lock, files, imageChance))
  const previous = JSON.stringify(body)
  const currentTarget = Math.max(options.targetBytes, previous.length + growth * options.targetBytes)
  while (size() < currentTarget) body.input.push(...turnItems(rand, repoRoot, lock, files, imageChance))
  return { previous, current: JSON.stringify(body) }
}

/** What Codex sends around the conversation on every turn: tools and request settings. */
function requestEnvelope(rand: ReturnType<typeof prng>) {
  return {
    tools: tools(rand),
    tool_choice: 'auto',
    parallel_tool_calls: false,
    reasoning: { effort: 'medium', summary: 'auto' },
    store: false,
    stream: true,
    include: ['reasoning.encrypted_content'],
    prompt_cache_key: uuid(rand),
  }
}

/** A first-turn body: instructions, tools, environment context and one user message (~55 KB). */
export function firstTurnBody(seed = 1): string {
  const rand = prng(seed)
  const body: CodexBody = {
    model: 'gpt-5-codex',
    instructions: prose(rand, 22_000),
    input: [
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: `# AGENTS.md instructions for /home/dev/project\n\n${prose(rand, 2_000)}` }] },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: `<environment_context>\n  <cwd>/home/dev/project</cwd>\n  <approval_policy>on-request</approval_policy>\n  <sandbox_mode>workspace-write</sandbox_mode>\n  <shell>bash</shell>\n</environment_context>` }] },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Add a --dry-run flag to the deploy script.' }] },
    ],
    ...requestEnvelope(rand),
  }
  let text = JSON.stringify(body)
  // Pad the tool descriptions to the observed ~55 KB first-turn size.
  while (Buffer.byteLength(text) < 55_000) {
    const tool = body.tools[0]!
    tool.description = `${String(tool.description)} ${prose(rand, 1_000)}`
    text = JSON.stringify(body)
  }
  return text
}

/**
 * The first turn (~55 KB) and the second turn of the same session: the first body plus
 * Codex's first tool call, its output and the model's reply, ~5% more bytes.
 */
export function firstTurnConversation(seed = 1): { previous: string; current: string } {
  const previous = firstTurnBody(seed)
  const rand = prng(seed + 1)
  const body = JSON.parse(previous) as CodexBody
  const callId = `call_${hex(rand, 24)}`
  body.input.push(
    { type: 'function_call', name: 'shell', call_id: callId, arguments: JSON.stringify({ command: ['bash', '-lc', 'ls -la scripts'] }) },
    { type: 'function_call_output', call_id: callId, output: JSON.stringify({ output: logLines(rand, 1_600), metadata: { exit_code: 0 } }) },
    { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: prose(rand, 600), annotations: [] }] },
  )
  return { previous, current: JSON.stringify(body) }
}
