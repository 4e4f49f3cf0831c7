// Static ReDoS check of every scanner pattern with recheck (https://makenowjust-labs.github.io/recheck/),
// which decides by automata theory where it can and by a step-counting fuzzer otherwise.
// recheck takes ~1–3 s per pattern here, too slow for every `npm test`, so verdicts are
// kept in test/fixtures/secrets/redos-verdicts.json, keyed by a hash of recheck's version,
// the flags and the exact source: a new or edited pattern has no verdict and is checked
// live by test/unit/secrets/linear-time.test.ts. Only `safe` verdicts are ever written.
//
//   npm run check:redos                    # check patterns without a cached verdict
//   npm run check:redos -- --all           # check every pattern again
//   npm run check:redos -- --write         # and update the verdict file (only `safe` is written)
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { checkSync } from 'recheck'
import { PLACEHOLDER_SHAPES } from '../lambda/src/secrets/placeholder.js'
import { ALL_RULES } from '../lambda/src/secrets/rules/index.js'

export const VERDICTS_FILE = join(import.meta.dirname, '..', 'test', 'fixtures', 'secrets', 'redos-verdicts.json')
export const RECHECK_VERSION = (JSON.parse(readFileSync(join(import.meta.dirname, '..', 'node_modules', 'recheck', 'package.json'), 'utf8')) as { version: string }).version

export interface Checked {
  name: string
  source: string
  flags: string
}

/** Every pattern the scanner runs over text of unbounded length, plus the placeholder shapes. */
export function patternsToCheck(): Checked[] {
  const out: Checked[] = []
  const seen = new Set<string>()
  const push = (name: string, re: RegExp): void => {
    const key = `${re.flags}/${re.source}`
    if (seen.has(key)) return
    seen.add(key)
    out.push({ name, source: re.source, flags: re.flags })
  }
  for (const r of ALL_RULES) if (r.pattern) push(r.id, r.pattern)
  PLACEHOLDER_SHAPES.forEach((re, i) => push(`placeholder shape ${i}`, re))
  return out
}

export function verdictKey(p: { source: string; flags: string }): string {
  return createHash('sha256').update(`recheck ${RECHECK_VERSION}\0${p.flags}\0${p.source}`).digest('hex').slice(0, 32)
}

export function checkPattern(p: Checked): { status: string; detail: string } {
  const r = checkSync(p.source, p.flags, { timeout: 60_000 }) as { status: string; checker?: string; complexity?: { summary: string }; attack?: { pattern: string }; error?: { kind: string } }
  return { status: r.status, detail: [r.checker, r.complexity?.summary, r.attack?.pattern, r.error?.kind].filter(Boolean).join(' ') }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const write = process.argv.includes('--write')
  const all = process.argv.includes('--all')
  const previous = JSON.parse(readFileSync(VERDICTS_FILE, { encoding: 'utf8', flag: 'a+' }) || '{}') as { recheck?: string; verdicts?: Record<string, string> }
  const cached = !all && previous.recheck === RECHECK_VERSION ? (previous.verdicts ?? {}) : {}
  const verdicts: Record<string, string> = {}
  let bad = 0
  for (const p of patternsToCheck()) {
    const key = verdictKey(p)
    if (cached[key]?.startsWith('safe')) {
      verdicts[key] = cached[key]!
      continue
    }
    const t = Date.now()
    const { status, detail } = checkPattern(p)
    console.log(`${status.padEnd(10)} ${String(Date.now() - t).padStart(6)} ms  ${p.name}  ${status === 'safe' ? '' : detail}`)
    if (status === 'safe') verdicts[key] = `safe ${p.name}`
    else bad++
  }
  if (write) {
    writeFileSync(VERDICTS_FILE, JSON.stringify({ recheck: RECHECK_VERSION, generatedBy: 'npm run check:redos -- --write', verdicts }, null, 2) + '\n')
    console.log(`wrote ${Object.keys(verdicts).length} verdicts to ${VERDICTS_FILE}`)
  }
  if (bad > 0) {
    console.error(`${bad} pattern(s) not proven safe`)
    process.exit(1)
  }
}
