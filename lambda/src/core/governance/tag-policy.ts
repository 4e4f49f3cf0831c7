// Request tags (`x-codex-proxy-tag`): a developer sets one in Codex's provider config
// (`http_headers = { "x-codex-proxy-tag" = "project-x" }`) and the tag's budgets apply to
// the request as one more level. Which tags a token may use is set on the token and its
// team (`--tags`, globs as for models); every list that is set must allow the tag, and
// with no list set no tag is allowed — otherwise anyone could charge a tag's budget.
import { globToRegExp } from '../../contracts/model-glob.js'
import { type Caller, TAG_HEADER, TAG_PATTERN } from '../../contracts/tables.js'

/** The request's tag, or why the header is unusable. No header: no tag. */
export function requestTag(headers: Headers): { ok: true; tag: string | undefined } | { ok: false; detail: string } {
  const raw = headers.get(TAG_HEADER)
  if (raw === null) return { ok: true, tag: undefined }
  const tag = raw.trim()
  // Headers repeated by the client arrive joined with ", ": one tag per request.
  if (!TAG_PATTERN.test(tag)) {
    return { ok: false, detail: `${TAG_HEADER} must be one tag of letters, digits and . _ @ + - (at most 64, starting with a letter or digit)` }
  }
  return { ok: true, tag }
}

/** The non-empty allowed-tag lists that apply to a caller (token, then team). */
export function tagListsOf(caller: Caller): string[][] {
  return [caller.tags, caller.team_policy?.tags].filter((l): l is string[] => Array.isArray(l) && l.length > 0)
}

/**
 * Undefined when the caller may use the tag, else why not (for the refusal). No quotes in
 * the text: Codex 0.169 prints the JSON error body of a 400 as is, escapes included.
 */
export function tagRefusal(caller: Caller, tag: string): string | undefined {
  const lists = tagListsOf(caller)
  if (lists.length === 0) return `tag ${tag} is not allowed for ${caller.user_id}: no tags are allowed for this token (an admin sets them with \`tokens update --tags\` or \`teams set --tags\`)`
  if (lists.every((list) => list.some((glob) => globToRegExp(glob).test(tag)))) return undefined
  return `tag ${tag} is not allowed for ${caller.user_id} (allowed: ${lists.map((l) => l.join(', ')).join(' and ')})`
}
