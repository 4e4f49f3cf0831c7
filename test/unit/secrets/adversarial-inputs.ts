// Adversarial inputs built from each rule itself, so a new rule is covered without
// editing the test: its keywords repeated, separator floods after them, long runs of
// every character class of its pattern, and its own positive fixture cut short and
// repeated (a near-match at every position). Shared by linear-time.test.ts and the bench.
import { ALL_RULES, type SecretRule } from '../../../lambda/src/secrets/rules/index.js'
import { genericFixtures, piiFixtures, positiveFixtures } from '../../fixtures/secrets/positives.js'

export interface AdversarialFamily {
  name: string
  /** Builds an input of about `size` characters. */
  build(size: number): string
}

const SEPARATORS = ['-', '_', '.', ':', '=', ' ', '/', '\n', '"', '\\n']

function repeatTo(unit: string, size: number): string {
  return unit.length === 0 ? '' : unit.repeat(Math.ceil(size / unit.length)).slice(0, size)
}

/** One representative character of each bracket class in a pattern source, plus its negation's neighbour. */
function classSamples(source: string): string[] {
  const out = new Set<string>()
  for (const m of source.matchAll(/\[(\^?)((?:\\.|[^\]\\])+)\]/g)) {
    if (m[1]) continue
    const body = m[2]!
    const first = body.startsWith('\\') ? body.slice(0, 2) : body[0]!
    const ch = first === '\\w' ? 'a' : first === '\\s' ? ' ' : first === '\\d' ? '7' : first.startsWith('\\') ? first[1]! : first
    out.add(ch)
    const range = body.match(/([A-Za-z0-9])-([A-Za-z0-9])/)
    if (range) out.add(range[2]!)
  }
  return [...out]
}

const fixturesByRule = new Map<string, string[]>()
for (const f of [...positiveFixtures(), ...genericFixtures(), ...piiFixtures()]) {
  const list = fixturesByRule.get(f.rule_id) ?? []
  list.push(f.text)
  fixturesByRule.set(f.rule_id, list)
}

export function familiesOf(rule: SecretRule): AdversarialFamily[] {
  const families: AdversarialFamily[] = []
  const add = (name: string, build: (size: number) => string): void => {
    families.push({ name: `${rule.id}: ${name}`, build })
  }
  const keywords = rule.keywords.length > 0 ? rule.keywords : ['0']
  for (const k of keywords) {
    const asWritten = [k, k.toUpperCase(), k[0]!.toUpperCase() + k.slice(1)]
    add(`keyword ${JSON.stringify(k)} repeated`, (n) => repeatTo(asWritten.join(''), n))
    for (const sep of SEPARATORS) add(`keyword ${JSON.stringify(k)} + ${JSON.stringify(sep)} flood`, (n) => k + repeatTo(sep, n - k.length))
    add(`keyword ${JSON.stringify(k)} with separators between repeats`, (n) => repeatTo(SEPARATORS.map((s) => k + s).join(''), n))
  }
  const samples = rule.pattern ? classSamples(rule.pattern.source) : ['A', 'a', '0', '+', '/', '=', '-']
  for (const c of samples) {
    add(`run of ${JSON.stringify(c)}`, (n) => repeatTo(c, n))
    add(`keyword then run of ${JSON.stringify(c)}`, (n) => keywords[0] + repeatTo(c, n - keywords[0]!.length))
    add(`keyword + ${JSON.stringify(c)} repeated`, (n) => repeatTo(keywords[0] + c, n))
  }
  if (samples.length > 1) add('runs of every class in turn', (n) => repeatTo(samples.map((c) => c.repeat(64)).join(''), n))
  for (const text of fixturesByRule.get(rule.id) ?? []) {
    add('its fixture minus the last character, repeated', (n) => repeatTo(text.slice(0, -1), n))
    add('its fixture without separators, repeated', (n) => repeatTo(text.replace(/[\s"'=:]/g, ''), n))
  }
  return families
}

/** Separates families joined into one input, so that none runs into the next. */
export const FAMILY_JOIN = '\n\u0000\n'

/** All families of a rule, each of `size` characters, in one input. */
export function combinedInput(rule: SecretRule, size: number): string {
  return familiesOf(rule)
    .map((f) => f.build(size))
    .join(FAMILY_JOIN)
}

/** The regression of issue 10, finding 1, and every rule's families. */
export function allFamilies(rules: readonly SecretRule[] = ALL_RULES): AdversarialFamily[] {
  return [{ name: 'issue 10: "eyJ-" repeated', build: (n) => '"' + repeatTo('eyJ-', n - 1) }, ...rules.flatMap(familiesOf)]
}
