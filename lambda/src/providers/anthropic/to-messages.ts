// Request translation: a Responses API request (what Codex sends) → an Anthropic Messages
// API request body. Pure: no I/O, table-tested in test/unit/anthropic/to-messages.test.ts.
//
// Rules (Messages API, https://docs.anthropic.com/en/api/messages):
// - `system` is a top-level field; `messages` alternate user/assistant (consecutive
//   same-role items are merged into one message);
// - every assistant `tool_use` needs a `tool_result` with its id in the very next user
//   message, tool_result blocks first; ids match `^[a-zA-Z0-9_-]+$`;
// - `max_tokens` is required; with thinking, `budget_tokens` ≥ 1024 and < max_tokens,
//   no `temperature`/`top_p`/forced tool choice, and the assistant turn whose tool calls
//   are being answered must start with its (signed, unmodified) thinking block.
import { decodeThinkingCarry, type ThinkingBlock } from './reasoning-carry.js'
import { buildToolCatalogue, claudeToolChoice, claudeToolName, CUSTOM_INPUT_FIELD, type ToolCatalogue } from './tools.js'

export type Block = Record<string, unknown> & { type: string }
export interface ClaudeMessage {
  role: 'user' | 'assistant'
  content: Block[]
}

export interface TranslateOptions {
  /** The model id the upstream knows (Anthropic model id, or omitted for Bedrock). */
  upstreamModel: string | undefined
  /** Bedrock's body has no `model` and no `stream`, and names the API version inside. */
  target: 'anthropic' | 'bedrock'
}

export interface Translation {
  body: Record<string, unknown>
  catalogue: ToolCatalogue
  /** Whether extended thinking was requested upstream (needs the interleaved-thinking beta with tools). */
  thinking: boolean
  /** What was left out, for the record (e.g. foreign reasoning items, hosted tools). */
  notes: string[]
}

export type TranslateResult = { ok: true; translation: Translation } | { ok: false; detail: string }

export const BEDROCK_ANTHROPIC_VERSION = 'bedrock-2023-05-31'
/** Used when the request sets no `max_output_tokens` (Codex never does). */
export const DEFAULT_MAX_TOKENS = 32_000
/** Older Claude models cap output at 8192 tokens. */
const SMALL_OUTPUT_MODELS = /claude-3-(5-|haiku|opus|sonnet)/i
/** Models without extended thinking. */
const NO_THINKING_MODELS = /claude-(3-(5-|haiku|opus|sonnet)|2|instant)/i
export const MIN_THINKING_BUDGET = 1024

/**
 * Reasoning effort → thinking budget (tokens). Anthropic's guidance: start at the 1024
 * minimum and raise for harder tasks; above ~32k, returns diminish.
 */
export const THINKING_BUDGET: Record<string, number> = { low: 4_096, medium: 10_000, high: 24_000, xhigh: 32_000 }

const TOOL_ID = /^[a-zA-Z0-9_-]+$/
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Tool-call ids are kept as they are when Claude accepts them; otherwise made acceptable, the same way every time. */
export function claudeToolId(id: string): string {
  return TOOL_ID.test(id) ? id : `cxp_${Buffer.from(id, 'utf8').toString('base64url').replace(/[^a-zA-Z0-9_-]/g, '_')}`
}

export function toMessagesRequest(req: Record<string, unknown>, options: TranslateOptions): TranslateResult {
  const tools = buildToolCatalogue(req.tools)
  if (!tools.ok) return tools
  const catalogue = tools.catalogue
  const notes: string[] = catalogue.dropped.map((t) => `hosted tool ${t} left out`)

  const system: Block[] = []
  if (typeof req.instructions === 'string' && req.instructions.length > 0) system.push({ type: 'text', text: req.instructions })
  const messages: ClaudeMessage[] = []
  const push = (role: 'user' | 'assistant', blocks: Block[]) => {
    if (blocks.length === 0) return
    const last = messages[messages.length - 1]
    if (last && last.role === role) last.content.push(...blocks)
    else messages.push({ role, content: [...blocks] })
  }

  const input = typeof req.input === 'string' ? [{ type: 'message', role: 'user', content: req.input }] : req.input
  if (input !== undefined && !Array.isArray(input)) return { ok: false, detail: 'input must be a string or an array of items' }
  for (const [i, raw] of (input ?? []).entries()) {
    if (!isObject(raw)) return { ok: false, detail: `input[${i}]: must be an object` }
    const at = `input[${i}]`
    const type = raw.type ?? (raw.role !== undefined ? 'message' : undefined)
    switch (type) {
      case 'message': {
        const role = raw.role
        const blocks = contentBlocks(raw.content, at)
        if (blocks instanceof Error) return { ok: false, detail: blocks.message }
        if (role === 'developer' || role === 'system') {
          // Leading instructions are the system prompt; a later one keeps its place in the
          // conversation as a user-side note (moving it up would change the cached prefix).
          if (messages.length === 0) system.push(...blocks.filter((b) => b.type === 'text'))
          else push('user', blocks.filter((b) => b.type === 'text').map((b) => ({ type: 'text', text: `<${role}_message>\n${b.text as string}\n</${role}_message>` })))
        } else if (role === 'user') push('user', blocks)
        else if (role === 'assistant') push('assistant', blocks.filter((b) => b.type === 'text'))
        else return { ok: false, detail: `${at}: unknown message role ${JSON.stringify(role)}` }
        break
      }
      case 'reasoning': {
        const carried = decodeThinkingCarry(raw.encrypted_content)
        if (carried instanceof Error) return { ok: false, detail: `${at}: ${carried.message}` }
        // An OpenAI reasoning blob (an earlier GPT turn) cannot be read by Claude: left out.
        if (carried === null) notes.push(`${at}: reasoning item without Claude thinking left out`)
        else push('assistant', carried as Block[] & ThinkingBlock[])
        break
      }
      case 'function_call':
      case 'custom_tool_call': {
        const callId = raw.call_id
        const name = raw.name
        if (typeof callId !== 'string' || callId.length === 0) return { ok: false, detail: `${at}: ${type} without call_id` }
        if (typeof name !== 'string' || name.length === 0) return { ok: false, detail: `${at}: ${type} without name` }
        const namespace = typeof raw.namespace === 'string' && raw.namespace.length > 0 ? raw.namespace : undefined
        let toolInput: unknown
        if (type === 'function_call') {
          const args = typeof raw.arguments === 'string' ? raw.arguments : '{}'
          try {
            toolInput = args.trim() === '' ? {} : JSON.parse(args)
          } catch {
            return { ok: false, detail: `${at}: function_call arguments are not JSON` }
          }
          if (!isObject(toolInput)) toolInput = { value: toolInput }
        } else {
          toolInput = { [CUSTOM_INPUT_FIELD]: typeof raw.input === 'string' ? raw.input : '' }
        }
        push('assistant', [{ type: 'tool_use', id: claudeToolId(callId), name: claudeToolName(name, namespace), input: toolInput }])
        break
      }
      case 'function_call_output':
      case 'custom_tool_call_output': {
        const callId = raw.call_id
        if (typeof callId !== 'string' || callId.length === 0) return { ok: false, detail: `${at}: ${type} without call_id` }
        const content = toolResultContent(raw.output, at)
        if (content instanceof Error) return { ok: false, detail: content.message }
        push('user', [{ type: 'tool_result', tool_use_id: claudeToolId(callId), content }])
        break
      }
      case 'web_search_call':
        // A hosted search from an earlier OpenAI turn: its results reached the model as
        // text already; there is nothing to replay.
        notes.push(`${at}: web_search_call left out`)
        break
      default:
        return { ok: false, detail: `${at}: input item type ${JSON.stringify(type)} has no Claude counterpart` }
    }
  }

  repairToolPairs(messages)
  for (const m of messages) if (m.role === 'user') m.content.sort((a, b) => Number(b.type === 'tool_result') - Number(a.type === 'tool_result'))
  if (messages.length === 0) return { ok: false, detail: 'the request has no user or assistant messages to send' }
  if (messages[0]!.role !== 'user') messages.unshift({ role: 'user', content: [{ type: 'text', text: '(conversation continues)' }] })

  // Output budget and thinking.
  const requested = req.max_output_tokens
  if (requested !== undefined && requested !== null && (typeof requested !== 'number' || !Number.isSafeInteger(requested) || requested < 1)) {
    return { ok: false, detail: 'max_output_tokens must be a positive integer' }
  }
  const model = typeof req.model === 'string' ? req.model : ''
  const maxTokens = typeof requested === 'number' ? requested : SMALL_OUTPUT_MODELS.test(model) ? 8_192 : DEFAULT_MAX_TOKENS
  const choice = claudeToolChoice(req.tool_choice, req.parallel_tool_calls)
  const effort = isObject(req.reasoning) && typeof req.reasoning.effort === 'string' ? req.reasoning.effort : undefined
  let budget = effort ? THINKING_BUDGET[effort] : undefined
  if (budget !== undefined) {
    budget = Math.min(budget, maxTokens - MIN_THINKING_BUDGET)
    if (budget < MIN_THINKING_BUDGET) budget = undefined
  }
  let thinking = budget !== undefined && !NO_THINKING_MODELS.test(model) && !choice.forced
  if (thinking && !answersThinkingTurn(messages)) {
    // The tool calls being answered came from a turn without (carried) thinking: Claude
    // refuses thinking for this request then. Off for this one request; the next turn
    // (a fresh assistant turn) thinks again.
    thinking = false
    notes.push('thinking off: the tool calls being answered carry no thinking block')
  }

  addCacheBreakpoints(system, catalogue, messages)

  const body: Record<string, unknown> = {}
  if (options.target === 'bedrock') body.anthropic_version = BEDROCK_ANTHROPIC_VERSION
  else body.model = options.upstreamModel ?? model
  body.max_tokens = maxTokens
  if (system.length > 0) body.system = system
  body.messages = messages
  if (catalogue.tools.length > 0) body.tools = catalogue.tools
  if (choice.choice && catalogue.tools.length > 0) body.tool_choice = choice.choice
  if (thinking) body.thinking = { type: 'enabled', budget_tokens: budget }
  else {
    if (typeof req.temperature === 'number') body.temperature = Math.min(1, Math.max(0, req.temperature))
    if (typeof req.top_p === 'number') body.top_p = req.top_p
  }
  if (options.target === 'anthropic') body.stream = true
  return { ok: true, translation: { body, catalogue, thinking, notes } }
}

function contentBlocks(content: unknown, at: string): Block[] | Error {
  if (typeof content === 'string') return content.length > 0 ? [{ type: 'text', text: content }] : []
  if (content === null || content === undefined) return []
  if (!Array.isArray(content)) return new Error(`${at}: content must be a string or an array`)
  const out: Block[] = []
  for (const [j, part] of content.entries()) {
    if (!isObject(part)) return new Error(`${at}.content[${j}]: must be an object`)
    const block = contentBlock(part, `${at}.content[${j}]`)
    if (block instanceof Error) return block
    if (block) out.push(block)
  }
  return out
}

function contentBlock(part: Record<string, unknown>, at: string): Block | undefined | Error {
  switch (part.type) {
    case 'input_text':
    case 'output_text':
    case 'text':
      // Claude rejects empty text blocks.
      return typeof part.text === 'string' && part.text.length > 0 ? { type: 'text', text: part.text } : undefined
    case 'refusal':
      return typeof part.refusal === 'string' && part.refusal.length > 0 ? { type: 'text', text: part.refusal } : undefined
    case 'input_image':
      return imageBlock(part.image_url, at)
    default:
      return new Error(`${at}: content type ${JSON.stringify(part.type)} has no Claude counterpart (supported: input_text, output_text, input_image)`)
  }
}

const DATA_URL = /^data:(image\/(?:png|jpeg|gif|webp));base64,([A-Za-z0-9+/=\s]+)$/

function imageBlock(url: unknown, at: string): Block | Error {
  if (typeof url !== 'string' || url.length === 0) return new Error(`${at}: input_image needs an image_url (file_id images are not supported for Claude)`)
  const data = DATA_URL.exec(url)
  if (data) return { type: 'image', source: { type: 'base64', media_type: data[1], data: data[2]!.replace(/\s+/g, '') } }
  if (/^data:/.test(url)) return new Error(`${at}: image type not supported by Claude (png, jpeg, gif, webp)`)
  if (/^https?:\/\//.test(url)) return { type: 'image', source: { type: 'url', url } }
  return new Error(`${at}: image_url must be a data: URL or an http(s) URL`)
}

function toolResultContent(output: unknown, at: string): string | Block[] | Error {
  if (typeof output === 'string') return output
  if (Array.isArray(output)) {
    const blocks = contentBlocks(output, `${at}.output`)
    if (blocks instanceof Error) return blocks
    return blocks.filter((b) => b.type === 'text' || b.type === 'image')
  }
  if (isObject(output) && typeof output.content === 'string') return output.content
  return new Error(`${at}: output must be a string or an array of content items`)
}

/**
 * Codex histories can hold a tool call whose output never came (an interrupted turn) or
 * an output whose call was dropped. Claude refuses both, so each unanswered call gets an
 * error result and each orphan output becomes plain text.
 */
function repairToolPairs(messages: ClaudeMessage[]): void {
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!
    if (m.role === 'assistant') {
      const ids = m.content.filter((b) => b.type === 'tool_use').map((b) => b.id as string)
      if (ids.length === 0) continue
      let next = messages[i + 1]
      if (!next || next.role !== 'user') {
        next = { role: 'user', content: [] }
        messages.splice(i + 1, 0, next)
      }
      const answered = new Set(next.content.filter((b) => b.type === 'tool_result').map((b) => b.tool_use_id as string))
      for (const id of ids) if (!answered.has(id)) next.content.unshift({ type: 'tool_result', tool_use_id: id, content: 'no output was recorded for this tool call', is_error: true })
    } else {
      const prev = messages[i - 1]
      const known = new Set(prev?.role === 'assistant' ? prev.content.filter((b) => b.type === 'tool_use').map((b) => b.id as string) : [])
      m.content = m.content.map((b) =>
        b.type === 'tool_result' && !known.has(b.tool_use_id as string)
          ? { type: 'text', text: `[output of tool call ${b.tool_use_id as string}]\n${typeof b.content === 'string' ? b.content : JSON.stringify(b.content)}` }
          : b,
      )
    }
  }
}

/** With thinking on, the assistant turn whose tool calls the last user message answers must start with thinking. */
function answersThinkingTurn(messages: ClaudeMessage[]): boolean {
  const last = messages[messages.length - 1]
  if (!last || last.role !== 'user' || !last.content.some((b) => b.type === 'tool_result')) return true
  const prev = messages[messages.length - 2]
  if (!prev || prev.role !== 'assistant') return true
  const first = prev.content[0]
  return first !== undefined && (first.type === 'thinking' || first.type === 'redacted_thinking')
}

/**
 * Prompt caching is opt-in on Claude: `cache_control` marks where a cached prefix ends
 * (at most 4 per request). Codex resends the whole history each turn, so marking the end
 * of the tools, of the system prompt and of the last message lets turn N+1 read what
 * turn N wrote. Thinking blocks and empty text cannot carry the mark.
 */
function addCacheBreakpoints(system: Block[], catalogue: ToolCatalogue, messages: ClaudeMessage[]): void {
  const mark = { type: 'ephemeral' }
  const lastTool = catalogue.tools[catalogue.tools.length - 1]
  if (lastTool) lastTool.cache_control = { type: 'ephemeral' }
  const lastSystem = system[system.length - 1]
  if (lastSystem) lastSystem.cache_control = mark
  const lastMessage = messages[messages.length - 1]
  const lastBlock = lastMessage?.content[lastMessage.content.length - 1]
  if (lastBlock && (lastBlock.type === 'text' || lastBlock.type === 'tool_result' || lastBlock.type === 'image' || lastBlock.type === 'tool_use')) {
    lastBlock.cache_control = mark
  }
}
