// Runs the rules of secretlint's recommended preset (@secretlint/secretlint-rule-preset-recommend,
// MIT, https://github.com/secretlint/secretlint) synchronously over a text.
//
// The rules are driven through their documented rule-author contract
// (`SecretLintRuleCreator.create(context, options).file(source)` from @secretlint/types)
// instead of `@secretlint/core`'s `lintSource`: core adds what a file linter needs
// (config loading, localised messages, line/column, sorting) and an async API, none of
// which a request scanner needs, and it is measured side by side in
// bench/secret-scan.bench.ts. Version 12.0.0 is pinned because 12.1+ requires Node ≥ 22
// and the project's machines run Node 20.
//
// Choices made here, each because of what a prompt body is:
// - `filter-comments` is left out: it honours `secretlint-disable` comments, and any text
//   in a prompt (a file Codex read, a web page) could switch detection off that way.
// - `gcp` is left out: it scans only files named *.json / *.p12 on disk; PEM private
//   keys inside service-account JSON are still found by `privatekey`.
// - `aws` runs with its defaults (secret access keys only). Its `enableIDScanRule`
//   would add access key ids and account ids, but account ids are not secrets (AWS IAM
//   User Guide, "AWS account identifiers") and their pattern alone took a third of all
//   rule time on a 5 MB body (bench/secret-scan-results.md); access key ids come from
//   format-rules.ts instead, limited to the credential prefixes AKIA/ASIA.
// - `npm` runs a second time as if on an `.npmrc`, because it looks for `_authToken=`
//   only in files of that name and a prompt has no file names.
//   Outside an .npmrc that pattern (`_authToken=` and anything after it) also fires on
//   prose and code that mention the setting, so a report there must carry a token-like
//   value (NPMRC_TOKEN_VALUE).
// - Reports carry only the message id and range; the message text, which embeds the
//   secret, is never built.
import { rules as presetRules } from '@secretlint/secretlint-rule-preset-recommend'
import type {
  SecretLintRuleContext,
  SecretLintRuleCreator,
  SecretLintRuleReportHandler,
  SecretLintSourceCode,
} from '@secretlint/types'
import { secretlintRuleId } from './secretlint-rule-ids.js'
import type { TextMatch } from './legacy-types.js'

const RULE_PREFIX = '@secretlint/secretlint-rule-'
const EXCLUDED_RULES = new Set(['filter-comments', 'gcp'])
const RULE_OPTIONS: Record<string, object> = {}
/** Messages the rules cannot produce with the options above. */
const UNREPORTED_MESSAGES = new Set(['aws/AWSAccessKeyID', 'aws/AWSAccountID'])
const NPMRC_TOKEN_VALUE = /_authToken=[\w+/=.-]{16,}\s*$/

/** Extra checks on reports, by rule id, for rules run outside the files they were written for. */
const REPORT_FILTERS: Record<string, (matched: string) => boolean> = {
  'npmrc-auth-token': (matched) => NPMRC_TOKEN_VALUE.test(matched),
}

interface DrivenRule {
  shortName: string
  handler: SecretLintRuleReportHandler
  /** File paths to present the text under; one pass per entry. */
  filePaths: (string | undefined)[]
}

export function shortRuleName(creator: SecretLintRuleCreator<never>): string {
  return creator.meta.id.startsWith(RULE_PREFIX) ? creator.meta.id.slice(RULE_PREFIX.length) : creator.meta.id
}

/** The preset's rules as this scanner uses them (exported for the upgrade test). */
export function presetRuleCreators(): SecretLintRuleCreator<never>[] {
  return (presetRules as SecretLintRuleCreator<never>[]).filter((r) => !EXCLUDED_RULES.has(shortRuleName(r)))
}

function sourceOf(content: string, filePath: string | undefined): SecretLintSourceCode {
  const unsupported = (): never => {
    throw new Error('secret scanner: a secretlint rule asked for line/column positions, which this adapter does not provide')
  }
  return {
    hasBOM: false,
    content,
    filePath,
    physicalFilePath: undefined,
    contentType: 'text',
    ext: filePath?.slice(filePath.lastIndexOf('.')) ?? '',
    getFilePath: () => filePath,
    getPhysicalFilePath: () => undefined,
    locationToRange: unsupported,
    rangeToLocation: unsupported,
    positionToIndex: unsupported,
    indexToPosition: unsupported,
  }
}

export interface SecretlintRunner {
  run(text: string, out: TextMatch[]): void
  readonly ruleIds: readonly string[]
}

export function createSecretlintRunner(): SecretlintRunner {
  let sink: TextMatch[] = []
  let currentRule = ''
  let currentText = ''
  const driven: DrivenRule[] = []
  const ruleIds = new Set<string>()

  for (const creator of presetRuleCreators()) {
    const shortName = shortRuleName(creator)
    for (const messageId of Object.keys(creator.messages)) {
      if (!UNREPORTED_MESSAGES.has(`${shortName}/${messageId}`)) ruleIds.add(secretlintRuleId(shortName, messageId))
    }
    const context: SecretLintRuleContext = {
      sharedOptions: { locale: 'en', maskSecrets: true },
      createTranslator: () => (messageId) => ({ message: '', messageId: String(messageId), data: undefined }),
      report: (descriptor) => {
        const [start, end] = descriptor.range
        const rule_id = secretlintRuleId(currentRule, descriptor.message.messageId)
        const filter = REPORT_FILTERS[rule_id]
        if (filter && !filter(currentText.slice(start, end))) return
        sink.push({ rule_id, start, end })
      },
      // Only filter-comments ignores, and it is excluded above.
      ignore: () => {},
    }
    const handler = creator.create(context, (RULE_OPTIONS[shortName] ?? {}) as never)
    const filePaths = shortName === 'npm' ? [undefined, '.npmrc'] : [undefined]
    driven.push({ shortName, handler, filePaths })
  }

  return {
    ruleIds: [...ruleIds],
    run(text, out) {
      sink = out
      currentText = text
      for (const rule of driven) {
        if (!rule.handler.file) continue
        currentRule = rule.shortName
        for (const filePath of rule.filePaths) {
          const pending = rule.handler.file(sourceOf(text, filePath))
          // A rule that goes async (gcp's .p12 check) cannot be used synchronously.
          if (pending) throw new Error(`secret scanner: secretlint rule ${rule.shortName} returned a promise`)
        }
      }
    },
  }
}
