// Codex's tools (Responses API tool definitions) as Claude tools, and the map back.
//
// - `function` → `{name, description, input_schema}` (the Messages API requires
//   `input_schema`, a JSON Schema object: https://docs.anthropic.com/en/api/messages).
// - `custom` (freeform, e.g. apply_patch with a Lark grammar) → a tool with ONE string
//   field `input`, the grammar in the description. Claude fills `{"input": "<raw text>"}`;
//   the stream translator unwraps it back into `custom_tool_call.input`. Peers that sent
//   custom tools without `input_schema` or with an empty name broke apply_patch
//   (CLIProxyAPI #3199, sub2api #3390).
// - `namespace` (Codex ≥ 0.147 groups tools, e.g. `multi_agent_v1`) → its member tools,
//   each named `<namespace>__<name>`; calls come back with `namespace` set again. Peers
//   rejected or flattened these badly (LiteLLM #36182, #29854).
// - hosted `web_search`: Codex adds it to every request. Claude's own web search is a
//   different, live, paid server tool (and Codex may have asked for cached-only access,
//   `external_web_access: false`), so it is left out: Claude is simply not offered search.
// - every other hosted tool (file_search, code_interpreter, computer_use, image_generation,
//   local_shell, mcp, …) has no Claude counterpart here: refused with a clear error.

/** Claude tool names: `^[a-zA-Z0-9_-]{1,64}$` (Messages API, tools[].name). */
export const CLAUDE_TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/
export const NAMESPACE_SEPARATOR = '__'
export const CUSTOM_INPUT_FIELD = 'input'

/** Hosted tools Codex sends that are left out rather than refused (see above). */
const DROPPED_HOSTED_TOOLS = new Set(['web_search', 'web_search_preview'])

export interface ToolOrigin {
  kind: 'function' | 'custom'
  /** The tool's name as Codex knows it (without the namespace). */
  name: string
  namespace?: string
}

export interface ClaudeTool {
  name: string
  description?: string
  input_schema: Record<string, unknown>
  cache_control?: { type: 'ephemeral' }
}

export interface ToolCatalogue {
  tools: ClaudeTool[]
  /** Claude tool name → what Codex called it. */
  origins: Map<string, ToolOrigin>
  /** Hosted tools left out (recorded, documented). */
  dropped: string[]
}

export type ToolsResult = { ok: true; catalogue: ToolCatalogue } | { ok: false; detail: string }

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

export function claudeToolName(name: string, namespace?: string): string {
  return namespace ? `${namespace}${NAMESPACE_SEPARATOR}${name}` : name
}

export function buildToolCatalogue(raw: unknown): ToolsResult {
  const catalogue: ToolCatalogue = { tools: [], origins: new Map(), dropped: [] }
  if (raw === undefined || raw === null) return { ok: true, catalogue }
  if (!Array.isArray(raw)) return { ok: false, detail: 'tools must be an array' }
  const add = (tool: Record<string, unknown>, at: string, namespace?: string): string | undefined => {
    const type = tool.type
    if (type === 'function' || type === 'custom') {
      const name = tool.name
      if (typeof name !== 'string' || name.length === 0) return `${at}: a ${type} tool needs a non-empty name`
      const claudeName = claudeToolName(name, namespace)
      if (!CLAUDE_TOOL_NAME.test(claudeName)) return `${at}: tool name ${JSON.stringify(claudeName)} is not a valid Claude tool name (letters, digits, _ and -, at most 64)`
      if (catalogue.origins.has(claudeName)) return `${at}: two tools are named ${JSON.stringify(claudeName)}`
      const description = typeof tool.description === 'string' ? tool.description : undefined
      if (type === 'function') {
        const params = tool.parameters ?? { type: 'object', properties: {} }
        if (!isObject(params)) return `${at}: parameters of ${name} must be a JSON Schema object`
        // Claude requires an object schema at the top; `{}` (any) becomes an empty object schema.
        const input_schema = params.type === undefined ? { type: 'object', ...params } : params
        if (input_schema.type !== 'object') return `${at}: parameters of ${name} must be an object schema (Claude tool input is always an object)`
        catalogue.tools.push({ name: claudeName, ...(description && { description }), input_schema })
      } else {
        catalogue.tools.push({ name: claudeName, description: customDescription(description, tool.format), input_schema: customInputSchema() })
      }
      catalogue.origins.set(claudeName, { kind: type, name, ...(namespace && { namespace }) })
      return undefined
    }
    if (type === 'namespace' && namespace === undefined) {
      const ns = tool.name
      if (typeof ns !== 'string' || ns.length === 0) return `${at}: a namespace needs a non-empty name`
      if (!Array.isArray(tool.tools)) return `${at}: namespace ${ns} has no tools array`
      for (const [i, inner] of tool.tools.entries()) {
        if (!isObject(inner)) return `${at}.tools[${i}]: must be an object`
        const problem = add(inner, `${at}.tools[${i}]`, ns)
        if (problem) return problem
      }
      return undefined
    }
    if (typeof type === 'string' && DROPPED_HOSTED_TOOLS.has(type)) {
      catalogue.dropped.push(type)
      return undefined
    }
    return `${at}: tool type ${JSON.stringify(type)} has no Claude counterpart (supported: function, custom, namespace; web_search is left out)`
  }
  for (const [i, tool] of raw.entries()) {
    if (!isObject(tool)) return { ok: false, detail: `tools[${i}]: must be an object` }
    const problem = add(tool, `tools[${i}]`)
    if (problem) return { ok: false, detail: problem }
  }
  return { ok: true, catalogue }
}

function customInputSchema(): Record<string, unknown> {
  return {
    type: 'object',
    properties: { [CUSTOM_INPUT_FIELD]: { type: 'string', description: 'The raw tool input, exactly as the format below describes (not JSON-wrapped).' } },
    required: [CUSTOM_INPUT_FIELD],
    additionalProperties: false,
  }
}

function customDescription(description: string | undefined, format: unknown): string {
  const parts = [description ?? 'A free-form tool.']
  parts.push(`Put the whole raw input in the \`${CUSTOM_INPUT_FIELD}\` string field.`)
  if (isObject(format) && format.type === 'grammar' && typeof format.definition === 'string') {
    const syntax = typeof format.syntax === 'string' ? format.syntax : 'grammar'
    parts.push(`The input must match this ${syntax} grammar:\n${format.definition}`)
  }
  return parts.join('\n\n')
}

/** Codex's `tool_choice` → Claude's; `forced` tells whether it forces a tool (incompatible with thinking). */
export function claudeToolChoice(raw: unknown, parallel: unknown): { choice?: Record<string, unknown>; forced: boolean; none: boolean } {
  const disableParallel = parallel === false ? { disable_parallel_tool_use: true } : {}
  if (raw === 'none') return { choice: { type: 'none' }, forced: false, none: true }
  if (raw === 'required') return { choice: { type: 'any', ...disableParallel }, forced: true, none: false }
  if (isObject(raw) && (raw.type === 'function' || raw.type === 'custom') && typeof raw.name === 'string') {
    return { choice: { type: 'tool', name: raw.name, ...disableParallel }, forced: true, none: false }
  }
  return { choice: parallel === false ? { type: 'auto', ...disableParallel } : undefined, forced: false, none: false }
}
