// Helpers for secret-scanner tests: Codex-shaped request bodies and an independent JSON
// lexer (a regex, not the scanner's walker) to compare raw texts token by token.

export function codexBody(input: unknown[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    model: 'gpt-5-codex',
    instructions: 'You are a coding agent. Be precise.',
    input,
    tools: [{ type: 'function', name: 'shell', description: 'Runs a command.', parameters: { type: 'object' } }],
    stream: true,
    ...extra,
  })
}

export const userMessage = (text: string) => ({ type: 'message', role: 'user', content: [{ type: 'input_text', text }] })

export const toolOutput = (output: string, call_id = 'call_1') => ({ type: 'function_call_output', call_id, output })

/** Raw JSON split into string literals and the text between them. */
export function lexJson(raw: string): { literal: boolean; text: string }[] {
  return [...raw.matchAll(/"(?:[^"\\]|\\.)*"|[^"]+/g)].map((m) => ({ literal: m[0].startsWith('"'), text: m[0] }))
}
