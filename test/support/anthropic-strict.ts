// The request checks of the strict fake Anthropic server: as strict as the documented
// Messages API (https://docs.anthropic.com/en/api/messages), and stricter where a sloppy
// translation would pass by luck (roles must strictly alternate here; the real API merges
// consecutive turns). Each problem is a message in Anthropic's wording where it has one.
import { createHmac } from 'node:crypto'

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/
const TOOL_ID = /^[a-zA-Z0-9_-]+$/
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Signs a thinking block the way the fake issues them; a changed byte fails the check. */
export function signThinking(secret: string, thinking: string): string {
  return createHmac('sha256', secret).update(thinking, 'utf8').digest('base64')
}

export interface StrictOptions {
  /** Secret of the thinking signatures. */
  secret: string
  /** `messages`: the Anthropic API body; `bedrock`: InvokeModel's body (anthropic_version inside, no model/stream). */
  flavour: 'messages' | 'bedrock'
}

export function checkMessagesRequest(body: unknown, options: StrictOptions): string[] {
  const problems: string[] = []
  const p = (m: string) => problems.push(m)
  if (!isObject(body)) return ['body: must be a JSON object']
  const allowed = new Set(['model', 'max_tokens', 'messages', 'system', 'tools', 'tool_choice', 'thinking', 'stream', 'temperature', 'top_p', 'top_k', 'stop_sequences', 'metadata', 'anthropic_version', 'anthropic_beta'])
  for (const k of Object.keys(body)) if (!allowed.has(k)) p(`${k}: Extra inputs are not permitted`)
  if (options.flavour === 'messages') {
    if (typeof body.model !== 'string' || body.model.length === 0) p('model: Field required')
    if (body.anthropic_version !== undefined) p('anthropic_version: Extra inputs are not permitted')
    if (body.anthropic_beta !== undefined) p('anthropic_beta: Extra inputs are not permitted (a header on this API)')
  } else {
    if (body.anthropic_version !== 'bedrock-2023-05-31') p('anthropic_version: must be bedrock-2023-05-31')
    if (body.model !== undefined) p('model: Extra inputs are not permitted (Bedrock takes the model in the URL)')
    if (body.stream !== undefined) p('stream: Extra inputs are not permitted')
  }
  if (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens) || body.max_tokens < 1) p('max_tokens: Field required (a positive integer)')

  // system
  if (body.system !== undefined) {
    if (typeof body.system !== 'string') {
      if (!Array.isArray(body.system)) p('system: must be a string or a list of text blocks')
      else body.system.forEach((b, i) => {
        if (!isObject(b) || b.type !== 'text') p(`system.${i}: must be a text block`)
        else if (typeof b.text !== 'string' || b.text.length === 0) p(`system.${i}: text content blocks must be non-empty`)
      })
    }
  }

  // tools
  const toolNames = new Set<string>()
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) p('tools: must be a list')
    else body.tools.forEach((t, i) => {
      if (!isObject(t)) return p(`tools.${i}: must be an object`)
      for (const k of Object.keys(t)) if (!['name', 'description', 'input_schema', 'cache_control', 'type'].includes(k)) p(`tools.${i}.${k}: Extra inputs are not permitted`)
      if (typeof t.name !== 'string' || !TOOL_NAME.test(t.name)) p(`tools.${i}.name: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`)
      else if (toolNames.has(t.name)) p(`tools: Tool names must be unique (${t.name})`)
      else toolNames.add(t.name)
      if (!isObject(t.input_schema)) p(`tools.${i}.input_schema: Field required`)
      else if (t.input_schema.type !== 'object') p(`tools.${i}.input_schema.type: Input should be 'object'`)
    })
  }

  // thinking
  let thinking = false
  if (body.thinking !== undefined) {
    const t = body.thinking
    if (!isObject(t) || (t.type !== 'enabled' && t.type !== 'disabled')) p('thinking: must be {type: enabled|disabled}')
    else if (t.type === 'enabled') {
      thinking = true
      if (typeof t.budget_tokens !== 'number' || t.budget_tokens < 1024) p('thinking.enabled.budget_tokens: Input should be greater than or equal to 1024')
      else if (typeof body.max_tokens === 'number' && t.budget_tokens >= body.max_tokens) p('`max_tokens` must be greater than `thinking.budget_tokens`')
      if (body.temperature !== undefined && body.temperature !== 1) p('`temperature` may only be set to 1 when thinking is enabled')
      if (body.top_k !== undefined) p('`top_k` is not supported when thinking is enabled')
      if (isObject(body.tool_choice) && body.tool_choice.type !== 'auto' && body.tool_choice.type !== 'none') p('Thinking may not be enabled when tool_choice forces tool use.')
    }
  }

  // cache_control: at most 4 breakpoints
  const marks = JSON.stringify(body).split('"cache_control"').length - 1
  if (marks > 4) p(`A maximum of 4 blocks with cache_control may be provided. Found ${marks}.`)

  // messages
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    p('messages: at least one message is required')
    return problems
  }
  const msgs = body.messages as unknown[]
  msgs.forEach((m, i) => {
    if (!isObject(m)) return p(`messages.${i}: must be an object`)
    if (m.role !== 'user' && m.role !== 'assistant') p(`messages.${i}.role: Input should be 'user' or 'assistant'`)
    if (i === 0 && m.role !== 'user') p('messages: first message must use the "user" role')
    const prev = msgs[i - 1]
    if (i > 0 && isObject(prev) && prev.role === m.role) p(`messages: roles must alternate between "user" and "assistant" (messages.${i - 1} and messages.${i} are both "${m.role}")`)
    const content = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content
    if (!Array.isArray(content) || content.length === 0) return p(`messages.${i}: all messages must have non-empty content`)
    let seenNonResult = false
    content.forEach((b, j) => {
      const at = `messages.${i}.content.${j}`
      if (!isObject(b)) return p(`${at}: must be an object`)
      const userTypes = ['text', 'image', 'tool_result', 'document']
      const assistantTypes = ['text', 'tool_use', 'thinking', 'redacted_thinking']
      if (!(m.role === 'user' ? userTypes : assistantTypes).includes(b.type as string)) p(`${at}.type: '${String(b.type)}' is not allowed in a ${String(m.role)} message`)
      if (b.type === 'text' && (typeof b.text !== 'string' || b.text.length === 0)) p(`${at}: text content blocks must be non-empty`)
      if (b.type === 'image') {
        const s = isObject(b.source) ? b.source : {}
        if (!(s.type === 'base64' && typeof s.data === 'string' && /^image\/(png|jpeg|gif|webp)$/.test(String(s.media_type))) && !(s.type === 'url' && typeof s.url === 'string')) p(`${at}.source: invalid image source`)
      }
      if (b.type === 'tool_use') {
        if (typeof b.id !== 'string' || !TOOL_ID.test(b.id)) p(`${at}.id: String should match pattern '^[a-zA-Z0-9_-]+$'`)
        if (typeof b.name !== 'string' || !TOOL_NAME.test(b.name)) p(`${at}.name: invalid tool name`)
        if (!isObject(b.input)) p(`${at}.input: Input should be a valid dictionary`)
      }
      if (b.type === 'tool_result') {
        if (seenNonResult) p(`${at}: tool_result blocks must come first in the user message`)
        if (typeof b.tool_use_id !== 'string' || !TOOL_ID.test(b.tool_use_id)) p(`${at}.tool_use_id: String should match pattern '^[a-zA-Z0-9_-]+$'`)
      } else seenNonResult = true
      if (b.type === 'thinking') {
        if (typeof b.thinking !== 'string' || typeof b.signature !== 'string') p(`${at}: thinking blocks need thinking and signature`)
        else if (b.signature !== signThinking(options.secret, b.thinking)) p(`${at}: Invalid \`signature\` in \`thinking\` block`)
      }
      if (b.type === 'redacted_thinking' && (typeof b.data !== 'string' || b.data !== signThinking(options.secret, 'redacted'))) p(`${at}: Invalid \`data\` in \`redacted_thinking\` block`)
    })
    // Thinking blocks go first in an assistant message (before text and tool_use).
    if (m.role === 'assistant' && Array.isArray(content)) {
      const firstOther = content.findIndex((b) => isObject(b) && b.type !== 'thinking' && b.type !== 'redacted_thinking')
      const lastThinking = content.map((b) => isObject(b) && (b.type === 'thinking' || b.type === 'redacted_thinking')).lastIndexOf(true)
      if (firstOther !== -1 && lastThinking > firstOther && !thinkingInterleavedOk(content)) p(`messages.${i}: thinking blocks must precede other content unless interleaved thinking is on`)
    }
  })

  // tool_use ↔ tool_result pairing
  msgs.forEach((m, i) => {
    if (!isObject(m) || !Array.isArray(m.content)) return
    const blocks = m.content.filter(isObject)
    if (m.role === 'assistant') {
      const ids = blocks.filter((b) => b.type === 'tool_use').map((b) => b.id as string)
      if (ids.length === 0) return
      for (const id of ids) if (typeof id === 'string' && !toolNames.has(blocks.find((b) => b.id === id)!.name as string) && toolNames.size > 0) p(`messages.${i}: tool_use ${id} names a tool that is not in tools`)
      const next = msgs[i + 1]
      const results = isObject(next) && Array.isArray(next.content) ? new Set(next.content.filter(isObject).filter((b) => b.type === 'tool_result').map((b) => b.tool_use_id)) : new Set()
      const missing = ids.filter((id) => !results.has(id))
      if (missing.length) p(`messages.${i + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`)
    } else {
      const prev = msgs[i - 1]
      const known = isObject(prev) && Array.isArray(prev.content) ? new Set(prev.content.filter(isObject).filter((b) => b.type === 'tool_use').map((b) => b.id)) : new Set()
      for (const b of blocks) if (b.type === 'tool_result' && !known.has(b.tool_use_id)) p(`messages.${i}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${String(b.tool_use_id)}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`)
    }
  })

  // With thinking on, the assistant turn being answered with tool results must start with thinking.
  if (thinking) {
    const last = msgs[msgs.length - 1]
    const prev = msgs[msgs.length - 2]
    if (isObject(last) && last.role === 'user' && Array.isArray(last.content) && last.content.some((b) => isObject(b) && b.type === 'tool_result') && isObject(prev) && Array.isArray(prev.content)) {
      const first = prev.content[0]
      if (!isObject(first) || (first.type !== 'thinking' && first.type !== 'redacted_thinking')) {
        p(`messages.${msgs.length - 2}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${isObject(first) ? String(first.type) : 'nothing'}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block.`)
      }
    }
  }
  return problems
}

/** Interleaved thinking (beta) allows thinking after a tool_use within one assistant turn. */
function thinkingInterleavedOk(content: unknown[]): boolean {
  return content.some((b) => isObject(b) && b.type === 'tool_use')
}
