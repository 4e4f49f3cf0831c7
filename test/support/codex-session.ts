// A synthetic Codex session shaped like Codex 0.169's requests (NOTES.md): a ~17 KB
// developer message of base instructions, ~17 KB of tools, the whole history resent each
// turn, and resent items re-serialised (key order changed, `content: null` added) while
// their large strings stay byte-identical. Each turn the model calls exec_command and
// answers with an encrypted reasoning item. Deterministic.
import { randomBytes } from 'node:crypto'

function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function text(rand: () => number, chars: number): string {
  const words = ['the', 'tool', 'runs', 'command', 'file', 'src/index.ts', 'écrit', '→', 'output', 'line', 'npm', 'test', 'ok', 'passed', '\n']
  let out = ''
  while (out.length < chars) out += `${words[Math.floor(rand() * words.length)]} `
  return out.slice(0, chars)
}

export interface SessionTurn {
  request: Uint8Array
  response: Uint8Array
  headers: Record<string, string>
}

export function codexSession(turns: number, seed = 7, sessionId = '0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b'): SessionTurn[] {
  const rand = seeded(seed)
  const instructions = text(rand, 17_000)
  const tools = Array.from({ length: 8 }, (_, i) => ({
    type: 'function',
    name: `tool_${i}`,
    description: text(rand, 1_800),
    strict: false,
    parameters: { type: 'object', properties: { cmd: { type: 'string', description: text(rand, 200) } }, required: ['cmd'] },
  }))
  // Items as Codex keeps them, and as the upstream returned them (different key order).
  const history: string[] = [JSON.stringify({ type: 'message', role: 'developer', content: [{ type: 'input_text', text: instructions }] })]
  history.push(JSON.stringify({ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Fix the failing test in src/index.ts, running a command each step.' }] }))
  const out: SessionTurn[] = []
  for (let t = 1; t <= turns; t++) {
    const body = `{"model":"gpt-5.1-codex","instructions":null,"input":[${history.join(',')}],"tools":${JSON.stringify(tools)},"tool_choice":"auto","parallel_tool_calls":false,"reasoning":{"effort":"medium"},"store":false,"stream":true,"include":["reasoning.encrypted_content"],"prompt_cache_key":"${sessionId}","client_metadata":{"turn_id":"turn-${t}"}}`
    const encrypted = randomBytes(1200 + Math.floor(rand() * 800)).toString('base64')
    const args = JSON.stringify({ cmd: `sed -n ${t},${t + 40}p src/index.ts && ${text(rand, 300).replace(/\n/g, ' ')}` })
    const reasoning = { id: `rs_${t}`, type: 'reasoning', summary: [], encrypted_content: encrypted }
    const call = { id: `fc_${t}`, type: 'function_call', status: 'completed', arguments: args, call_id: `call_${t}`, name: 'exec_command' }
    const response = sse([
      { type: 'response.created', response: { id: `resp_${t}`, status: 'in_progress' } },
      { type: 'response.output_item.done', output_index: 0, item: reasoning },
      { type: 'response.output_item.done', output_index: 1, item: call },
      { type: 'response.completed', response: { id: `resp_${t}`, status: 'completed', output: [reasoning, call], usage: { input_tokens: 9000 + t * 700, input_tokens_details: { cached_tokens: 8000 }, output_tokens: 120, output_tokens_details: { reasoning_tokens: 64 }, total_tokens: 9120 + t * 700 } } },
    ])
    out.push({
      request: new TextEncoder().encode(body),
      response: new TextEncoder().encode(response),
      headers: { 'session-id': sessionId, 'x-client-request-id': sessionId, 'x-codex-turn-metadata': JSON.stringify({ turn_id: `turn-${t}`, window_id: `${sessionId}:0` }) },
    })
    // Codex resends the model's items in its own key order, with `content: null` added.
    history.push(JSON.stringify({ type: 'reasoning', id: reasoning.id, summary: [], content: null, encrypted_content: encrypted }))
    history.push(JSON.stringify({ type: 'function_call', id: call.id, name: call.name, arguments: args, call_id: call.call_id }))
    history.push(JSON.stringify({ type: 'function_call_output', call_id: call.call_id, output: text(rand, 400 + Math.floor(rand() * 2000)) }))
  }
  return out
}

function sse(events: Record<string, unknown>[]): string {
  return events.map((e) => `event: ${String(e.type)}\ndata: ${JSON.stringify(e)}\n\n`).join('')
}
