// Secret-scan benchmark, side by side in one run: the v2 engine (lambda/src/secrets) and
// today's engine (bench/secret-scan-legacy: secretlint's preset + five format rules, as at
// main 24c75b1). Recall on a corpus of fake vendor credentials and keys made by real
// tools, false positives on this worktree's node_modules (every hit listed), cold and warm
// throughput on Codex-like bodies, adversarial inputs, bundle weight.
//
//   npm run bench:secrets              # print the report
//   npm run bench:secrets -- --write   # also write bench/secret-scan-results.md
//   npm run bench:secrets -- --quick   # smaller corpora, nothing written
import { execSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { join, relative } from 'node:path'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'
import { createSecretScanner, type SecretScanner } from '../lambda/src/secrets/index.js'
import { createRuleEngine } from '../lambda/src/secrets/rule-engine.js'
import { ALL_RULES } from '../lambda/src/secrets/rules/index.js'
import { genericFixtures, piiFixtures, positiveFixtures, type PositiveFixture } from '../test/fixtures/secrets/positives.js'
import { keyVariants, toolKeys } from '../test/fixtures/secrets/tool-keys.js'
import { allFamilies } from '../test/unit/secrets/adversarial-inputs.js'
import { codexConversation, firstTurnConversation } from './codex-corpus.js'
import { createSecretScanner as createLegacyScanner } from './secret-scan-legacy/scanner.js'

const REPO = join(import.meta.dirname, '..')
const QUICK = process.argv.includes('--quick')
const out: string[] = []
const say = (line = ''): void => {
  out.push(line)
  console.log(line)
}
const bytes = (s: string): number => Buffer.byteLength(s)
const mbps = (size: number, ms: number): string => (size / 1e6 / (ms / 1000)).toFixed(0)

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

/** Median wall time of `fn` over `runs` runs after one warm-up run; `setup` is untimed. */
function time<T>(runs: number, setup: () => T, fn: (state: T) => unknown): number {
  fn(setup())
  const samples: number[] = []
  for (let i = 0; i < runs; i++) {
    const state = setup()
    const t = performance.now()
    fn(state)
    samples.push(performance.now() - t)
  }
  return median(samples)
}

interface Engine {
  name: string
  create: () => Pick<SecretScanner, 'scanJsonBody' | 'scanText'>
}
const v2: Engine = { name: 'v2 (this branch)', create: () => createSecretScanner() }
const today: Engine = { name: "today's (main 24c75b1)", create: () => createLegacyScanner() as unknown as Pick<SecretScanner, 'scanJsonBody' | 'scanText'> }

// ---------------------------------------------------------------------------------------
say('# Secret scan benchmark results')
say()
say('## Run')
say()
say(`- Date: ${new Date().toISOString()}`)
say(`- Machine: ${execSync('nproc').toString().trim()} CPUs (nproc), ${cpus()[0]?.model ?? 'unknown'}, Node ${process.version}, ${process.arch}; load average at start ${loadavg().map((l) => l.toFixed(1)).join(' / ')} (a shared machine: compare the two engines within this run, not across runs)`)
say(`- Command: \`npm run bench:secrets -- --write\`${QUICK ? ' (--quick)' : ''}`)
say(`- v2: ${ALL_RULES.length} rules written in lambda/src/secrets/rules (${ALL_RULES.filter((r) => r.category === 'credential').length} credential, ${ALL_RULES.filter((r) => r.category === 'generic').length} generic, ${ALL_RULES.filter((r) => r.category === 'pii').length} PII, off by default). Today's: secretlint preset 12.0.0 (23 rules) + 5 format rules.`)
say('- Timings are medians; MB = 10^6 bytes.')
say()

// ---------------------------------------------------------------------------------------
say('## Recall')
say()
const seeds = QUICK ? [1] : [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
const vendor: PositiveFixture[] = seeds.flatMap((s) => positiveFixtures(s * 7919))
const keys = toolKeys()
const keyCases = keys.privateKeys.flatMap(keyVariants).map((k) => ({ rule_id: k.name.includes('.ppk') ? 'putty-private-key' : 'private-key', text: k.text }))
const ids = (scanner: Pick<SecretScanner, 'scanText'>, text: string): string[] => scanner.scanText(text).map((m) => m.rule_id)
const v2Scanner = createSecretScanner()
const todayScanner = today.create()
const keyRules = new Set(['private-key', 'putty-private-key'])
const vendorHit = vendor.filter((f) => ids(v2Scanner, f.text).includes(f.rule_id))
const misses = vendor.filter((f) => !ids(v2Scanner, f.text).includes(f.rule_id))
const keyHit = keyCases.filter((k) => ids(v2Scanner, k.text).some((id) => keyRules.has(id)))
const todayVendor = vendor.filter((f) => ids(todayScanner, f.text).length > 0)
const todayKeys = keyCases.filter((k) => ids(todayScanner, k.text).includes('private-key'))
const formats = new Set(vendor.map((f) => f.rule_id))
const total = vendor.length + keyCases.length
const v2Found = vendorHit.length + keyHit.length
say(`Corpus: ${vendor.length} fake vendor credentials (${formats.size} formats × ${seeds.length} seeds, test/fixtures/secrets/vendor-positives.ts) + ${keyCases.length} private keys made by node:crypto, openssl, ssh-keygen, gpg and the PuTTY format (${keys.privateKeys.length} keys × 6 placements: as is, \`+\`/\`-\`/space diff prefixes, indented YAML, literal \\n; test/fixtures/secrets/tool-keys.ts).`)
say(`Today's engine counts as found when it reports any rule (its rule ids differ).`)
say()
say('| corpus | v2 | today\'s |')
say('|---|---:|---:|')
say(`| vendor formats (${formats.size}) | ${vendorHit.length}/${vendor.length} (${((vendorHit.length / vendor.length) * 100).toFixed(1)}%) | ${todayVendor.length}/${vendor.length} (${((todayVendor.length / vendor.length) * 100).toFixed(1)}%) |`)
say(`| private keys by real tools | ${keyHit.length}/${keyCases.length} | ${todayKeys.length}/${keyCases.length} |`)
say(`| **all** | **${v2Found}/${total} = ${(v2Found / total).toFixed(3)}** | ${todayVendor.length + todayKeys.length}/${total} = ${((todayVendor.length + todayKeys.length) / total).toFixed(3)} |`)
say(`| generic (3 shapes), v2 only | ${genericFixtures().filter((f) => ids(v2Scanner, f.text).includes(f.rule_id)).length}/3 | — |`)
say(`| PII (with \`pii: true\`), v2 only | ${piiFixtures().filter((f) => ids(createSecretScanner({ pii: true }), f.text).includes(f.rule_id)).length}/${piiFixtures().length} | — |`)
say()
say(misses.length === 0 ? 'v2 misses: none.' : `v2 misses (${misses.length}): ${[...new Set(misses.map((m) => m.rule_id))].join(', ')}.`)
say()

// ---------------------------------------------------------------------------------------
say('## False positives on node_modules')
say()
function listFiles(dir: string, acc: string[]): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    const st = statSync(path, { throwIfNoEntry: false })
    if (!st) continue
    if (st.isDirectory()) listFiles(path, acc)
    else if (/\.(?:[cm]?js|[cm]?ts|json|md|ya?ml)$/.test(name) && st.size <= 8_000_000) acc.push(path)
  }
  return acc
}
const files = listFiles(join(REPO, 'node_modules'), []).sort()
const sample = QUICK ? files.filter((_, i) => i % 20 === 0) : files
let corpusBytes = 0
interface Hit {
  file: string
  rule: string
  category: string
  excerpt: string
}
const hitsV2: Hit[] = []
let todayHits = 0
let v2Ms = 0
let todayMs = 0
for (const path of sample) {
  const text = readFileSync(path, 'utf8')
  corpusBytes += bytes(text)
  let t = performance.now()
  const found = v2Scanner.scanText(text)
  v2Ms += performance.now() - t
  t = performance.now()
  todayHits += todayScanner.scanText(text).length
  todayMs += performance.now() - t
  for (const m of found) {
    const secret = text.slice(m.start, m.end)
    const masked = secret.length > 12 ? `${secret.slice(0, 6)}…(${secret.length} chars)` : `${secret.slice(0, 2)}…(${secret.length})`
    const before = text.slice(Math.max(0, m.start - 30), m.start).replace(/\s+/g, ' ')
    hitsV2.push({ file: relative(REPO, path), rule: m.rule_id, category: m.category, excerpt: `${before}⟦${masked}⟧` })
  }
}
const per100 = (n: number): string => ((n / corpusBytes) * 1e8).toFixed(2)
const byCategory = (c: string): Hit[] => hitsV2.filter((h) => h.category === c)
say(`Corpus: ${sample.length} files (.js .mjs .cjs .ts .json .md .yml, ≤ 8 MB each) under node_modules, ${(corpusBytes / 1e6).toFixed(1)} MB. Each file scanned as text.`)
say()
say('| engine | findings | per 100 MB | scan time | MB/s |')
say('|---|---:|---:|---:|---:|')
say(`| v2, \`credential\` rules (the ones that block) | ${byCategory('credential').length} | ${per100(byCategory('credential').length)} | | |`)
say(`| v2, \`generic\` rules (flag/redact only) | ${byCategory('generic').length} | ${per100(byCategory('generic').length)} | | |`)
say(`| v2, all | ${hitsV2.length} | ${per100(hitsV2.length)} | ${(v2Ms / 1000).toFixed(1)} s | ${mbps(corpusBytes, v2Ms)} |`)
say(`| today's | ${todayHits} | ${per100(todayHits)} | ${(todayMs / 1000).toFixed(1)} s | ${mbps(corpusBytes, todayMs)} |`)
say()
say('Every v2 hit (the matched text masked):')
say()
say('| file | rule | category | context ⟦match⟧ |')
say('|---|---|---|---|')
for (const h of hitsV2) say(`| ${h.file} | ${h.rule} | ${h.category} | \`${h.excerpt.replace(/\|/g, '\\|').replace(/`/g, "'")}\` |`)
say()

// ---------------------------------------------------------------------------------------
const conversations = [
  { name: '55 KB (first turn)', runs: QUICK ? 5 : 40, ...firstTurnConversation() },
  { name: '1 MB', runs: QUICK ? 3 : 15, ...codexConversation(REPO, { targetBytes: 1_000_000, seed: 1_000_000 }) },
  { name: '5 MB', runs: QUICK ? 2 : 7, ...codexConversation(REPO, { targetBytes: 5_000_000, seed: 5_000_000 }) },
]
say('## Throughput on Codex-like bodies, side by side')
say()
say('Bodies from bench/codex-corpus.ts (instructions, tools, history with reasoning items, shell outputs of dependency source, lock-file slices, logs, apply_patch calls, ~1 screenshot per MB). Cold = a new scanner; warm = the previous turn was scanned first by the same scanner (the per-item cache). Both engines in the same process, runs interleaved per body.')
say()
say('| body | bytes | v2 cold ms | today cold ms | v2/today cold time | v2 cold MB/s | today cold MB/s | v2 warm ms | today warm ms | v2 warm MB/s |')
say('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
for (const c of conversations) {
  const size = bytes(c.current)
  const coldV2 = time(c.runs, v2.create, (s) => s.scanJsonBody(c.current, { redact: false }))
  const coldToday = time(c.runs, today.create, (s) => s.scanJsonBody(c.current, { redact: false }))
  const primed = (e: Engine) => () => {
    const s = e.create()
    s.scanJsonBody(c.previous, { redact: false })
    return s
  }
  const warmV2 = time(c.runs, primed(v2), (s) => s.scanJsonBody(c.current, { redact: false }))
  const warmToday = time(c.runs, primed(today), (s) => s.scanJsonBody(c.current, { redact: false }))
  say(`| ${c.name} | ${size} | ${coldV2.toFixed(1)} | ${coldToday.toFixed(1)} | ${(coldV2 / coldToday).toFixed(2)} | ${mbps(size, coldV2)} | ${mbps(size, coldToday)} | ${warmV2.toFixed(2)} | ${warmToday.toFixed(2)} | ${mbps(size, warmV2)} |`)
}
say()
const five = conversations[2]!
say(`Findings on the 5 MB body (no planted secrets): v2 ${createSecretScanner().scanJsonBody(five.current, { redact: false }).findings.length}, today's ${createLegacyScanner().scanJsonBody(five.current, { redact: false }).findings.length}.`)
say()

// ---------------------------------------------------------------------------------------
say('## Adversarial inputs (linear time)')
say()
const engine = createRuleEngine({ categories: ['credential', 'generic', 'pii'] })
const families = allFamilies()
const ADV = QUICK ? 32_768 : 262_144
/** Best of three CPU-time samples (process.cpuUsage), after a warm-up scan: wall time on a shared machine mostly measures the neighbours. */
const cpuMsPerMb = (text: string): number => {
  engine.scan(text)
  let best = Infinity
  for (let i = 0; i < 3; i++) {
    const u = process.cpuUsage()
    engine.scan(text)
    const d = process.cpuUsage(u)
    best = Math.min(best, (d.user + d.system) / 1000)
  }
  return (best / text.length) * 1e6
}
const perFamily = families.map((f) => ({ name: f.name, msPerMb: cpuMsPerMb(f.build(ADV)) }))
perFamily.sort((a, b) => b.msPerMb - a.msPerMb)
say(`${families.length} inputs built from the rules (test/unit/secrets/adversarial-inputs.ts), ${ADV} characters each, through all ${ALL_RULES.length} rules (PII included). CPU time, best of 3 after a warm-up. Ten slowest, in ms per MB:`)
say()
say('| input | ms per MB |')
say('|---|---:|')
for (const f of perFamily.slice(0, 10)) say(`| ${f.name} | ${f.msPerMb.toFixed(0)} |`)
say(`| median of all ${families.length} | ${median(perFamily.map((f) => f.msPerMb)).toFixed(0)} |`)
{
  const issue = '"' + 'eyJ-'.repeat(37_500)
  const v2ms = time(3, () => null, () => v2Scanner.scanText(issue))
  const todayMsIssue = time(1, () => null, () => todayScanner.scanText(issue))
  say()
  say(`Issue 10's input (\`"eyJ-".repeat(37500)\`, 150 KB): v2 ${v2ms.toFixed(1)} ms, today's ${todayMsIssue.toFixed(0)} ms.`)
}
say()

// ---------------------------------------------------------------------------------------
say('## Lambda bundle weight (esbuild --bundle --platform=node --format=esm --minify)')
say()
async function bundleBytes(contents: string): Promise<{ raw: number; gz: number }> {
  const result = await build({ stdin: { contents, resolveDir: REPO, loader: 'ts', sourcefile: 'entry.ts' }, bundle: true, platform: 'node', format: 'esm', minify: true, write: false, logLevel: 'silent' })
  const code = result.outputFiles[0]!.contents
  return { raw: code.byteLength, gz: gzipSync(code).byteLength }
}
const ours = await bundleBytes(`export * from './lambda/src/secrets/index.ts'`)
const legacy = await bundleBytes(`export * from './bench/secret-scan-legacy/scanner.ts'`)
say('| bundle | bytes | gzip bytes |')
say('|---|---:|---:|')
say(`| v2 lambda/src/secrets | ${ours.raw} | ${ours.gz} |`)
say(`| today's (secretlint preset included) | ${legacy.raw} | ${legacy.gz} |`)
say()

if (process.argv.includes('--write') && !QUICK) {
  const file = join(REPO, 'bench', 'secret-scan-results.md')
  const START = '<!-- bench:start -->'
  const END = '<!-- bench:end -->'
  const current = existsSync(file) ? readFileSync(file, 'utf8') : `${START}\n${END}\n`
  const from = current.indexOf(START)
  const to = current.indexOf(END)
  if (from === -1 || to === -1) throw new Error(`${file} lacks the ${START} / ${END} markers`)
  const measured = out.join('\n').replace(/^# .*\n\n/, '')
  writeFileSync(file, `${current.slice(0, from + START.length)}\n${measured}\n${current.slice(to)}`)
  console.error(`wrote ${file}`)
}
