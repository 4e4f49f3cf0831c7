import { readFile, writeFile, mkdir } from 'node:fs/promises'
import { userInfo } from 'node:os'
import { dirname, resolve } from 'node:path'
import { Command, Flags } from '@oclif/core'
import { ConfigError, DEFAULTS, ENV, normaliseUpstreamUrl, proxyConfigFromEnv, SECRET_SCAN_MODES } from '../../../lambda/src/contracts/config.js'
import { parseUpstreamPoolText, type UpstreamPoolConfig } from '../../../lambda/src/contracts/upstreams.js'
import { ENDPOINT_GROUPS, type EndpointGroup, parseEndpointGroups } from '../../../lambda/src/contracts/endpoints.js'
import { PROXY_VERSION } from '../../../lambda/src/contracts/version.js'

export default class Serve extends Command {
  static override summary = 'Run the proxy locally, on embedded DynamoDB/S3-compatible stores (no AWS account needed).'

  static override description = `Starts the embedded stores (dynalite, s3rver) under --data-dir, creates the tables and
bucket if missing, and listens on --host:--port. When no token exists yet, it creates one
for --user and prints paste-ready Codex setup.

The OpenAI key is read from stdin when stdin is piped (as OpenAI's own
\`codex responses-api-proxy\` does), else from OPENAI_API_KEY; without either the proxy
forwards requests without a key (for keyless upstreams).

With --upstreams FILE it forwards to a pool of upstreams (several OpenAI keys or
accounts, Azure OpenAI) with session stickiness and failover; each upstream's key comes
from the environment variable its \`key_env\` names (README "Upstream pool").

With --table/--usage-table/--bucket it uses those AWS resources instead of the embedded
stores (credentials from the usual AWS SDK chain).`

  static override examples = [
    { description: 'Start with defaults (127.0.0.1:8787, data in ~/.codex-proxy)', command: '<%= config.bin %> <%= command.id %>' },
    {
      description: 'Key on stdin, ephemeral port, server info for scripts',
      command: `printenv OPENAI_API_KEY | <%= config.bin %> <%= command.id %> --port 0 --server-info /tmp/cxp.json --http-shutdown`,
    },
    {
      description: 'A pool: two OpenAI accounts and Azure, keys from the environment',
      command: 'OA_MAIN_KEY=… AZURE_SE_KEY=… <%= config.bin %> <%= command.id %> --upstreams upstreams.json',
    },
    {
      description: 'Also forward embeddings and the chat completions API (default: only what Codex uses)',
      command: '<%= config.bin %> <%= command.id %> --endpoints codex,embeddings,chat',
    },
    {
      description: 'Against a fake upstream, with exchange dumps',
      command: '<%= config.bin %> <%= command.id %> --upstream-url http://127.0.0.1:9000 --dump-dir /tmp/dumps',
    },
    {
      description: 'Budget alerts to a Slack channel (incoming webhook)',
      command: '<%= config.bin %> <%= command.id %> --alert-webhook https://chat.example.com/hooks/codex-proxy-alerts',
    },
  ]

  static override flags = {
    port: Flags.integer({ description: 'Port to listen on (0 = ephemeral).', default: DEFAULTS.port, min: 0, max: 65535 }),
    host: Flags.string({ description: 'Address to listen on.', default: DEFAULTS.host }),
    'data-dir': Flags.string({ description: `Where the embedded stores keep their data [env: ${ENV.dataDir}; default ~/.codex-proxy].` }),
    'upstream-url': Flags.string({
      description: `Base URL of the upstream API; the proxy appends /v1/… [env: ${ENV.upstreamUrl}].`,
      default: DEFAULTS.upstreamUrl,
      env: ENV.upstreamUrl,
    }),
    upstreams: Flags.string({
      description: 'JSON file {"upstreams":[…]}: a pool of upstreams with failover (keys from each key_env); replaces --upstream-url and the stdin key.',
    }),
    'server-info': Flags.string({ description: 'Write one JSON line {"port":…,"pid":…} to FILE once listening.' }),
    'http-shutdown': Flags.boolean({ description: 'Enable GET /shutdown to stop the server (exit 0).' }),
    'alert-webhook': Flags.string({
      description: `POST budget alerts (warn threshold, cap) as JSON {text, alert} to this URL; a Slack incoming-webhook URL works as is [env: ${ENV.alertWebhookUrl}].`,
      env: ENV.alertWebhookUrl,
    }),
    'dump-dir': Flags.string({ description: 'Write request/response pair files (codex responses-api-proxy format, credentials redacted).' }),
    endpoints: Flags.string({
      description: `Endpoint groups to forward, comma-separated (default-deny; default "codex": POST /v1/responses[/compact], GET /v1/models[/{id}]). Groups: ${ENDPOINT_GROUPS.join(', ')} [env: ${ENV.endpoints}].`,
    }),
    strict: Flags.boolean({ description: 'Deprecated: the default now forwards only what Codex needs (same as --endpoints codex).', env: ENV.strict, hidden: true }),
    'secret-scan': Flags.option({
      options: SECRET_SCAN_MODES,
      description: `Secret detection on request bodies: off, flag (record findings), redact (replace before forwarding), block (400 secret_detected) [default flag; env: ${ENV.secretScan}].`,
    })(),
    'shutdown-grace': Flags.integer({
      description: 'On SIGTERM, SIGINT or /shutdown: seconds the requests in flight get to finish before they are cut (their records are written either way).',
      default: 10,
      min: 0,
      max: 3600,
    }),
    'pii-scan': Flags.option({
      options: SECRET_SCAN_MODES,
      description: `PII detectors (payment cards, IBAN, US SSN): off, flag, redact, block [default off; env: ${ENV.piiScan}].`,
    })(),
    timeout: Flags.integer({ description: `Upstream timeout in seconds [default ${DEFAULTS.upstreamTimeoutMs / 1000}; env: ${ENV.upstreamTimeoutMs} in ms].`, min: 1 }),
    user: Flags.string({ description: 'Owner of the token created when none exists yet.', default: defaultUser() }),
    json: Flags.boolean({ description: 'Print the startup information (and a first token) as one JSON line.' }),
    table: Flags.string({ description: `Use this AWS tokens table instead of the embedded stores [env: ${ENV.tokensTable}].`, helpGroup: 'AWS' }),
    'usage-table': Flags.string({ description: `AWS usage-counter table [env: ${ENV.usageTable}].`, helpGroup: 'AWS' }),
    bucket: Flags.string({ description: `AWS audit bucket [env: ${ENV.bucket}].`, helpGroup: 'AWS' }),
    region: Flags.string({ description: 'AWS region.', helpGroup: 'AWS' }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(Serve)
    const status = (line: string) => process.stderr.write(`${line}\n`)
    const { defaultDataDir } = await import('../../../lambda/src/local/stack-file.js')
    const dataDir = resolve(flags['data-dir'] ?? defaultDataDir())
    const tokensTable = flags.table ?? process.env[ENV.tokensTable]
    const bucket = flags.bucket ?? process.env[ENV.bucket]
    // The embedded stores' child starts first: it is the longest wait, and needs nothing
    // of what loads next (lambda/src/local/early-stores.ts).
    const startedStores =
      tokensTable || bucket ? undefined : (await import('../../../lambda/src/local/early-stores.js')).startStoresEarly({ dataDir, log: status })
    // Heavy modules load here, so `--help` stays instant.
    const [{ startLocalProxy }, { resolveApiKey, stdinIsPiped }, { codexSetup, renderSetup }] = await Promise.all([
      import('../../../lambda/src/local/local-proxy.js'),
      import('../../../lambda/src/local/read-key.js'),
      import('../lib/onboarding.js'),
    ])

    // Settings without a flag (token cache, body cap, request limit) come from the same
    // CODEX_PROXY_* variables as in Lambda; flags win.
    let upstreamUrl: string
    let envConfig: ReturnType<typeof proxyConfigFromEnv>
    let pool: UpstreamPoolConfig | undefined
    let endpoints: EndpointGroup[]
    try {
      upstreamUrl = normaliseUpstreamUrl(flags['upstream-url'])
      envConfig = proxyConfigFromEnv(process.env, PROXY_VERSION)
      endpoints = flags.endpoints !== undefined ? parseEndpointGroups(flags.endpoints, '--endpoints') : [...envConfig.endpoints]
      if (endpoints.length === 0) throw new ConfigError('--endpoints names no endpoint group')
      if (flags.upstreams) pool = parseUpstreamPoolText(await readFile(flags.upstreams, 'utf8'), flags.upstreams)
    } catch (err) {
      this.error((err as Error).message, { exit: 2 })
    }
    let key: string | undefined
    let origin: 'stdin' | 'env' | 'none' | 'pool' = 'pool'
    if (pool) {
      status(`Upstream pool: ${pool.upstreams.map((u) => `${u.id} (${u.kind}, weight ${u.weight}${u.key_env ? `, key from ${u.key_env}` : ', no key'})`).join('; ')}.`)
    } else {
      ;({ key, origin } = await resolveApiKey({ stdin: process.stdin, stdinPiped: stdinIsPiped(), env: process.env }).catch((err: Error) =>
        this.error(err.message, { exit: 2 }),
      ))
      status(
        origin === 'stdin'
          ? 'OpenAI key: read from stdin.'
          : origin === 'env'
            ? 'OpenAI key: from OPENAI_API_KEY.'
            : 'No OpenAI key (stdin not piped, OPENAI_API_KEY unset): forwarding requests without Authorization — fine for keyless upstreams only.',
      )
    }

    const usageTable = flags['usage-table'] ?? process.env[ENV.usageTable]
    const aws =
      tokensTable || bucket
        ? {
            tokensTable: tokensTable ?? this.error('--table is required with --bucket', { exit: 2 }),
            bucket: bucket ?? this.error('--bucket is required with --table', { exit: 2 }),
            usageTable: usageTable ?? `${tokensTable}-usage`,
            region: flags.region,
          }
        : undefined

    let stopping = false
    const stop = async (code: number, why: string) => {
      if (stopping) return
      stopping = true
      const grace = flags['shutdown-grace']
      status(`codex-proxy: ${why}: shutting down — no new requests; requests in flight get ${grace} s, then every audit record is written…`)
      try {
        const report = await proxy.close()
        status(
          `codex-proxy: stopped${report.endedExchanges ? `; ${report.endedExchanges} request(s) cut after the grace period (recorded)` : ''}${report.recordsToFallback ? `; ${report.recordsToFallback} record(s) written to the fallback file ${dataDir}/audit-fallback.log instead of the store` : ''}.`,
        )
      } catch (err) {
        // Still exit: a stop that hangs on a failed close would be worse.
        status(`codex-proxy: error while stopping: ${err instanceof Error ? err.message : String(err)}`)
        code = 1
      }
      process.exit(code)
    }
    // A second Ctrl-C while draining: the person at the terminal insists, so exit now
    // (records still in flight may be lost). A repeated SIGTERM (a process manager, a
    // script after /shutdown) only lets the orderly stop go on.
    const onSignal = (signal: NodeJS.Signals) => {
      if (!stopping) return void stop(0, signal)
      if (signal !== 'SIGINT') return
      status('codex-proxy: second SIGINT while shutting down: exiting now (records still in flight may be lost).')
      process.exit(130)
    }
    const proxy = await startLocalProxy({
      host: flags.host,
      port: flags.port,
      dataDir,
      upstreamUrl,
      apiKey: key,
      ...(pool && { upstreams: pool }),
      dumpDir: flags['dump-dir'],
      alertWebhook: flags['alert-webhook'],
      aws,
      ...(startedStores && { startedStores }),
      config: {
        ...envConfig,
        upstreamUrl,
        endpoints,
        ...(flags.timeout && { upstreamTimeoutMs: flags.timeout * 1000 }),
        ...(flags['secret-scan'] && { secretScanMode: flags['secret-scan'] }),
        ...(flags['pii-scan'] && { piiScanMode: flags['pii-scan'] }),
      },
      onShutdownRequest: flags['http-shutdown'] ? () => void stop(0, 'GET /shutdown') : undefined,
      shutdown: { graceMs: flags['shutdown-grace'] * 1000 },
    }).catch((err: Error) => this.error(err.message, { exit: err.name === 'ConfigError' ? 2 : 1 }))
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)

    // First run: a token for the local user, so Codex can be pointed here at once.
    let firstToken: { token: string; token_id: string; user_id: string } | undefined
    if ((await proxy.admin.list()).length === 0) {
      const created = await proxy.admin.create({ user: flags.user, note: 'created by serve on first start' })
      firstToken = { token: created.token, token_id: created.item.token_id, user_id: created.item.user_id }
    }

    const info = {
      url: proxy.url,
      port: proxy.port,
      pid: process.pid,
      upstream_url: pool ? null : upstreamUrl,
      upstreams: pool ? pool.upstreams.map((u) => ({ id: u.id, kind: u.kind, url: u.url, weight: u.weight })) : null,
      data_dir: aws ? null : dataDir,
      key_origin: origin,
      endpoints,
      secret_scan: flags['secret-scan'] ?? envConfig.secretScanMode,
      ...(firstToken && { first_token: { ...firstToken, setup: codexSetup(proxy.url, firstToken.token) } }),
    }
    if (flags.json) {
      this.log(JSON.stringify(info))
    } else {
      status(
        `codex-proxy listening on ${proxy.url} → ${pool ? `pool of ${pool.upstreams.length} (${pool.upstreams.map((u) => u.id).join(', ')})` : upstreamUrl}; endpoints: ${endpoints.join(', ')}; secret scan: ${flags['secret-scan'] ?? envConfig.secretScanMode}; data: ${aws ? `AWS ${aws.tokensTable}, s3://${aws.bucket}` : dataDir}`,
      )
      if (firstToken) {
        this.log(`\nNo tokens existed: created ${firstToken.token_id} for user "${firstToken.user_id}".`)
        this.log(`Token (shown once — store it now): ${firstToken.token}\n`)
        this.log(renderSetup(codexSetup(proxy.url, firstToken.token)))
        this.log(`\nMore tokens: codex-proxy tokens add <user> --local${flags['data-dir'] ? ` --data-dir ${dataDir}` : ''}`)
      }
    }
    // Last, so that a script waiting for this file finds the server ready, its first
    // token created and the startup text printed.
    if (flags['server-info']) {
      await mkdir(dirname(resolve(flags['server-info'])), { recursive: true })
      await writeFile(flags['server-info'], `${JSON.stringify({ port: proxy.port, pid: process.pid })}\n`)
    }
    // Serve until a signal or GET /shutdown.
    await new Promise(() => {})
  }
}

function defaultUser(): string {
  try {
    return userInfo().username.replace(/[^A-Za-z0-9._@+-]/g, '') || 'local'
  } catch {
    return 'local'
  }
}
