// Every rule runs in linear time (issue 10, C). Three independent proofs, none of which
// holds a wall-clock threshold that a loaded machine can break:
//  1. static: recheck proves every pattern free of super-linear backtracking (verdicts
//     cached by exact source, see bench/secret-scan-redos.ts; a new pattern is checked live);
//  2. structural: the engine hands each rule at most ~3× the text (merged keyword
//     windows), counted, not timed;
//  3. empirical: on adversarial inputs built from each rule (adversarial-inputs.ts), the
//     time on 8n characters over the time on n stays far below quadratic (ratio < 20,
//     where quadratic gives 64), in process CPU time (not wall time), interleaved, best of
//     several runs, and re-measured before failing. The same harness flags the quadratic jwt rule of issue 10.
// Absolute figures (ms per MB of each family) are in bench/secret-scan-results.md.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { checkPattern, patternsToCheck, RECHECK_VERSION, VERDICTS_FILE, verdictKey } from '../../../bench/secret-scan-redos.js'
import { createRuleEngine, type RuleEngine } from '../../../lambda/src/secrets/rule-engine.js'
import { ALL_RULES, type SecretRule } from '../../../lambda/src/secrets/rules/index.js'
import { allFamilies, combinedInput, familiesOf, type AdversarialFamily } from './adversarial-inputs.js'

const SMALL = 1_024
const FACTOR = 8
const MAX_RATIO = 20

const engineOf = (rule: SecretRule): RuleEngine => createRuleEngine({ categories: [rule.category], rules: [rule] })

/** CPU time of this process in ms: unlike wall time, it does not grow when the machine is busy. */
function cpuMs(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

function perScan(engine: RuleEngine, text: string, reps: number): number {
  const start = cpuMs()
  for (let i = 0; i < reps; i++) engine.scan(text)
  return (cpuMs() - start) / reps
}

/**
 * CPU time per scan of `big` over that of `small` (FACTOR× longer), best of `runs`, the
 * two interleaved. Samples are sized to the same amount of work if the scan is linear
 * (FACTOR× more repetitions of the small input), ≥ 10 ms each.
 */
function scalingRatio(engine: RuleEngine, small: string, big: string, runs: number): number {
  engine.scan(small)
  engine.scan(big)
  let reps = 1
  while (reps < 1024 && perScan(engine, big, reps) * reps < 10) reps *= 2
  let bestSmall = Infinity
  let bestBig = Infinity
  for (let r = 0; r < runs; r++) {
    bestSmall = Math.min(bestSmall, perScan(engine, small, reps * FACTOR))
    bestBig = Math.min(bestBig, perScan(engine, big, reps))
  }
  return bestBig / Math.max(bestSmall, 1e-6)
}

const familyRatio = (engine: RuleEngine, family: AdversarialFamily, runs: number, small = SMALL): number =>
  scalingRatio(engine, family.build(small), family.build(small * FACTOR), runs)

describe('linear time of every rule', () => {
  it('has a recheck verdict of "safe" for every pattern (cached by exact source, else checked now)', { timeout: 600_000 }, () => {
    const file = JSON.parse(readFileSync(VERDICTS_FILE, 'utf8')) as { recheck: string; verdicts: Record<string, string> }
    const unsafe: string[] = []
    let checkedNow = 0
    for (const p of patternsToCheck()) {
      const cached = file.recheck === RECHECK_VERSION ? file.verdicts[verdictKey(p)] : undefined
      if (cached?.startsWith('safe')) continue
      checkedNow++
      const { status, detail } = checkPattern(p)
      if (status !== 'safe') unsafe.push(`${p.name}: ${status} ${detail}`)
    }
    expect(unsafe).toEqual([])
    // Keeps the cache honest: stale verdict files make this test slow, not wrong; say so.
    if (checkedNow > 20) console.warn(`${checkedNow} patterns had no cached recheck verdict: run npm run check:redos -- --write`)
  })

  it('recheck flags the quadratic jwt pattern of issue 10 (the check can fail)', { timeout: 120_000 }, () => {
    const old = { name: 'jwt before issue 10', source: '\\beyJ[0-9A-Za-z_-]{8,}\\.eyJ[0-9A-Za-z_-]{8,}\\.[0-9A-Za-z_-]{16,}', flags: 'g' }
    expect(checkPattern(old).status).toBe('vulnerable')
  })

  it('hands each rule at most ~3× the text, on every adversarial input (counted, not timed)', { timeout: 300_000 }, () => {
    const over: string[] = []
    for (const rule of ALL_RULES) {
      const text = combinedInput(rule, 4_096)
      const { windowChars } = engineOf(rule).scan(text)
      if (windowChars > 3 * text.length + 64) over.push(`${rule.id}: ${windowChars} for ${text.length}`)
    }
    expect(over).toEqual([])
  })

  // All families of a rule are joined into one input (a quadratic family still dominates
  // it: n² against the others' n); a rule over the bar is measured again, longer, and then
  // family by family to name the input that does not scale.
  it('scales linearly on adversarial inputs built from every rule', { timeout: 600_000 }, () => {
    const suspects: string[] = []
    for (const rule of ALL_RULES) {
      const engine = engineOf(rule)
      const small = combinedInput(rule, SMALL)
      const big = combinedInput(rule, SMALL * FACTOR)
      if (scalingRatio(engine, small, big, 1) < MAX_RATIO) continue
      if (Math.min(scalingRatio(engine, small, big, 3), scalingRatio(engine, small, big, 3)) < MAX_RATIO) continue
      for (const family of familiesOf(rule)) {
        const ratio = Math.min(familyRatio(engine, family, 3), familyRatio(engine, family, 3))
        if (ratio >= MAX_RATIO) suspects.push(`${family.name}: t(${FACTOR}n)/t(n) = ${ratio.toFixed(1)}`)
      }
      if (!suspects.some((s) => s.startsWith(`${rule.id}:`))) suspects.push(`${rule.id}: all families together scale by ≥ ${MAX_RATIO}`)
    }
    const issue = allFamilies([])[0]!
    const all = createRuleEngine({ categories: ['credential', 'generic', 'pii'] })
    const issueRatio = Math.min(familyRatio(all, issue, 3), familyRatio(all, issue, 3))
    if (issueRatio >= MAX_RATIO) suspects.push(`${issue.name} (all rules): ${issueRatio.toFixed(1)}`)
    expect(suspects).toEqual([])
  })

  it('the same harness flags the quadratic jwt rule of issue 10 (the scaling test can fail)', { timeout: 120_000 }, () => {
    const quadratic: SecretRule = {
      id: 'jwt-before-issue-10',
      title: 'the old jwt rule',
      source: 'lambda/src/secrets/format-rules.ts at 24c75b1',
      category: 'credential',
      keywords: ['eyj'],
      pattern: /\beyJ[0-9A-Za-z_-]{8,}\.eyJ[0-9A-Za-z_-]{8,}\.[0-9A-Za-z_-]{16,}/g,
      maxLength: 10_000,
    }
    const family = allFamilies([])[0]!
    expect(familyRatio(engineOf(quadratic), family, 2)).toBeGreaterThan(MAX_RATIO)
  })
})
