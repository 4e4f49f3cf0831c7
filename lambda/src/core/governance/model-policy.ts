// Model allow-lists: the token's list and its team's list (when set) must both allow a
// model. Globs per the model-glob contract.
import { globToRegExp } from '../../contracts/model-glob.js'
import type { Caller } from '../../contracts/tables.js'

const compiled = new Map<string, RegExp>()
const regexFor = (glob: string) => {
  let re = compiled.get(glob)
  if (!re) {
    re = globToRegExp(glob)
    if (compiled.size > 10_000) compiled.clear()
    compiled.set(glob, re)
  }
  return re
}

/** The non-empty allow-lists that apply to a caller (token first, then team). */
export function allowListsOf(caller: Caller): string[][] {
  return [caller.models, caller.team_policy?.models].filter((l): l is string[] => Array.isArray(l) && l.length > 0)
}

export function isModelAllowed(model: string, lists: string[][]): boolean {
  return lists.every((list) => list.some((glob) => regexFor(glob).test(model)))
}

export function describeAllowList(lists: string[][]): string {
  return lists.map((l) => l.join(', ')).join(' and ')
}

/** `GET /v1/models` answer with only the allowed models (OpenAI list shape). */
export function filterModelList(body: unknown, lists: string[][]): unknown {
  // Default-deny: a list of an unknown shape shows no model rather than all of them.
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { data?: unknown }).data)) return { object: 'list', data: [] }
  const list = body as { data: { id?: unknown }[] }
  return { ...list, data: list.data.filter((m) => typeof m.id === 'string' && isModelAllowed(m.id, lists)) }
}

/**
 * `GET /v1/models/<id>`: the model id a single-model lookup names, if any. The target
 * stage refuses malformed escapes, but this must not throw on its own either (a bad
 * escape here once answered 500 with a stack trace: trust issue, finding 9).
 */
export function modelOfLookupPath(path: string): string | undefined {
  const m = /^\/v1\/models\/([^/]+)$/.exec(path)
  if (!m) return undefined
  try {
    return decodeURIComponent(m[1]!)
  } catch {
    return m[1]!
  }
}
