import { readFile } from 'node:fs/promises'
import { Flags } from '@oclif/core'
import type { LocalStackInfo } from '../../../lambda/src/local/stack-file.js'
import { BaseCommand } from '../lib/base-command.js'
import { progressFor } from '../lib/progress.js'
import { deploymentFlags, resolveTarget, type Target, targetFlags } from '../lib/target.js'
import { type CheckResult, type CheckSpec, fail, pass, runCheck, skipped, STATUS_SYMBOL } from '../lib/validate/check.js'

export interface ValidateResult {
  target: string
  kind: 'local' | 'aws'
  ok: boolean
  passed: number
  failed: number
  checks: CheckResult[]
}

const LOCAL_STACK_CHECK = { id: 'local-stack', check: 'Local stack is running' }

export default class Validate extends BaseCommand<ValidateResult> {
  static override summary = 'Check that the proxy works end to end: function, alias, logs, tokens, records, secret, live URL.'
  static override description =
    `One row per check with ✓/✗, what was seen, and how to fix a failure; exits 1 if any check fails. Against AWS it checks: the function exists and had invocations in the last hour; provisioned concurrency on the alias is READY; the log group has recent events; no audit-write failures in 24 h; the tokens table has enabled tokens; today's audit partition has records; the OpenAI key secret has a value (never printed); every upstream of the pool answers GET /v1/models with its own key (the pool as the function's environment holds it; locally, the --upstreams file of serve); and live probes of the URL (/healthz answers, a request without a token gets 401 missing_authorization). With --local it runs the checks that apply to the local stack.`
  static override examples = [
    { description: 'The deployed stack, names from the stack outputs', command: '<%= config.bin %> <%= command.id %> --stack-outputs stack-outputs.json' },
    { description: 'The local stack (npm start)', command: '<%= config.bin %> <%= command.id %> --local' },
    { description: 'Machine-readable rows, e.g. for a cron job', command: '<%= config.bin %> <%= command.id %> --stack-outputs stack-outputs.json --json' },
    { description: 'The local stack with its upstream pool (keys from the key_env variables)', command: '<%= config.bin %> <%= command.id %> --local --upstreams upstreams.json' },
    { description: 'Without a stack-outputs file', command: '<%= config.bin %> <%= command.id %> --function codex-proxy-prod --table codex-proxy-tokens --bucket my-logs --secret codex-proxy-openai-key --url https://abc.lambda-url.us-east-1.on.aws --region us-east-1' },
  ]
  static override flags = {
    ...targetFlags,
    ...deploymentFlags,
    upstreams: Flags.string({ description: 'The pool file given to serve --upstreams: probe each upstream with the key its key_env names (local stacks; a deployed stack is read from the function).' }),
  }

  async run(): Promise<ValidateResult> {
    const { flags } = await this.parse(Validate)
    const now = new Date()
    const [{ storeChecks, STORE_CHECK_ROWS }, { probeChecks, PROBE_CHECK_ROWS }] = await Promise.all([
      import('../lib/validate/store-checks.js'),
      import('../lib/validate/probe-checks.js'),
    ])
    let target: Target
    try {
      target = await resolveTarget(flags)
    } catch (err) {
      if ((err as Error).name !== 'LocalStackNotRunning') throw err
      // Nothing else can be checked without the stack, but the row says how to start it.
      const [what, hint] = (err as Error).message.split(': start it with ')
      const checks: CheckResult[] = [
        { ...LOCAL_STACK_CHECK, status: 'fail', detail: what!, hint: `start it with ${hint ?? '`npm start`'}` },
        ...[...STORE_CHECK_ROWS, ...PROBE_CHECK_ROWS].map((row) => skipped(row, 'needs the local stack')),
      ]
      return this.finish({ target: 'local stack', kind: 'local', checks })
    }

    const upstreamsModule = import('../lib/validate/upstream-checks.js')
    let specs: CheckSpec[]
    if (target.local) {
      // A failing local store is the embedded store process, never AWS credentials.
      const localHint = () => 'the embedded stores of `codex-proxy serve` do not answer: see the "Local stack is running" row'
      specs = [localStackCheck(target.local), ...storeChecks(target, now).map((spec) => ({ ...spec, onError: localHint }))]
    } else {
      const [{ awsChecks }, clients] = await Promise.all([import('../lib/validate/aws-checks.js'), import('../lib/service-clients.js')])
      const awsClients = { cloudWatch: clients.cloudWatchClient(target), logs: clients.logsClient(target), lambda: clients.lambdaClient(target), secrets: clients.secretsClient(target) }
      specs = [...awsChecks(target, awsClients, now), ...storeChecks(target, now)]
      const functionName = target.deployment.functionName
      if (functionName && !flags.upstreams) {
        const { deployedUpstreams, upstreamChecks } = await upstreamsModule
        specs.push(...(await poolRows(() => deployedUpstreams(awsClients.lambda, awsClients.secrets, functionName), upstreamChecks)))
      }
    }
    if (flags.upstreams) {
      const file = flags.upstreams
      const { localUpstreams, upstreamChecks } = await upstreamsModule
      specs.push(...(await poolRows(async () => localUpstreams(await readFile(file, 'utf8'), file, process.env), upstreamChecks)))
    }
    const probes = probeChecks(target.proxyUrl)

    const progress = progressFor({ json: this.jsonEnabled() })
    const total = specs.length + probes.length
    let done = 0
    const counted = async (spec: CheckSpec) => {
      const result = await runCheck(spec)
      progress.status(`${++done}/${total}`)
      return result
    }
    progress.start(`Validating ${target.source}`)
    // Reads first, in parallel; then the probes, so that the probe's own audit record
    // cannot make "today's audit partition has records" pass.
    const checks = await Promise.all(specs.map(counted))
    for (const probe of probes) checks.push(await counted(probe))
    progress.stop()
    return this.finish({ target: target.source, kind: target.kind, checks })
  }

  private async finish(partial: Pick<ValidateResult, 'target' | 'kind' | 'checks'>): Promise<ValidateResult> {
    const failed = partial.checks.filter((c) => c.status === 'fail').length
    const result: ValidateResult = { ...partial, ok: failed === 0, passed: partial.checks.filter((c) => c.status === 'pass').length, failed }
    this.failed = !result.ok
    if (!this.jsonEnabled()) await this.render(result)
    return result
  }

  private async render(result: ValidateResult): Promise<void> {
    const { printTable } = await import('../lib/table.js')
    printTable({
      title: `codex-proxy validate: ${result.target}`,
      data: result.checks.map((c) => ({ ok: STATUS_SYMBOL[c.status], check: c.check, detail: c.detail })),
      columns: [{ key: 'ok', name: '' }, 'check', 'detail'],
      headerOptions: { formatter: 'capitalCase' },
      overflow: 'wrap',
      borderStyle: 'vertical-with-outline',
    })
    // Fixes go below the table: they are sentences, too long for a column.
    const failures = result.checks.filter((c) => c.status === 'fail')
    for (const c of failures) this.log(`${STATUS_SYMBOL.fail} ${c.check}\n    fix: ${c.hint ?? 'see the detail above'}`)
    const skippedCount = result.checks.length - result.passed - result.failed
    this.log(
      result.ok
        ? `All ${result.passed} checks passed.`
        : `${result.failed} of ${result.checks.length} checks failed${skippedCount ? `, ${skippedCount} not run` : ''}.`,
    )
  }
}

/** The pool's rows; when the pool itself cannot be read, one failing row that says why. */
async function poolRows<S>(source: () => Promise<S>, checks: (s: S) => CheckSpec[]): Promise<CheckSpec[]> {
  try {
    return checks(await source())
  } catch (err) {
    const message = (err as Error).message
    return [{ id: 'upstreams', check: 'Upstream pool can be read', run: async () => fail(message, 'fix the pool (README "Upstream pool"); the proxy refuses the same config') }]
  }
}

function localStackCheck(info: LocalStackInfo): CheckSpec {
  const restartHint = `restart it: stop it (Ctrl-C or kill ${info.pid}) and run \`codex-proxy serve\` again`
  return {
    ...LOCAL_STACK_CHECK,
    async run() {
      // The server's own view of its stores: 503 degraded while the store process is down.
      const res = await fetch(`${info.url}/healthz`, { signal: AbortSignal.timeout(5_000) })
      const body = (await res.json().catch(() => ({}))) as { status?: string; detail?: string | null }
      if (res.status === 503 && body.status === 'degraded') {
        return fail(
          `pid ${info.pid}, ${info.url}: ${body.detail ?? 'degraded'}`,
          `serve restarts its embedded store process by itself (see its output); if it stays down, check the free space of the data directory (df), then ${restartHint}`,
        )
      }
      if (!res.ok) return fail(`pid ${info.pid}, ${info.url}/healthz answered ${res.status}`, restartHint)
      return pass(`pid ${info.pid}, ${info.url}, version ${info.version}, since ${info.started_at.slice(0, 19).replace('T', ' ')} UTC`)
    },
    onError: (err) => `the server (pid ${info.pid}) does not answer at ${info.url} (${err.message}): ${restartHint}`,
  }
}
