// One row of `validate`: what was checked, whether it holds, what was seen, how to fix it.

export type CheckStatus = 'pass' | 'fail' | 'skip'

export interface CheckResult {
  id: string
  check: string
  status: CheckStatus
  detail: string
  /** What to do about a failure; null when the check passed. */
  hint: string | null
}

export interface CheckOutcome {
  ok: boolean
  detail: string
  hint?: string
}

export const pass = (detail: string): CheckOutcome => ({ ok: true, detail })
export const fail = (detail: string, hint: string): CheckOutcome => ({ ok: false, detail, hint })

export interface CheckSpec {
  id: string
  check: string
  run(): Promise<CheckOutcome>
  /** Hint for an unexpected error (AWS access denied, network), by default a generic one. */
  onError?: (err: Error) => string
}

const GENERIC_HINT = 'check AWS credentials (AWS_PROFILE, aws sso login), --region, and that your role may read this resource'

/** Runs a check; an exception is a failed row that names the error, never a crash. */
export async function runCheck(spec: CheckSpec): Promise<CheckResult> {
  try {
    const outcome = await spec.run()
    return { id: spec.id, check: spec.check, status: outcome.ok ? 'pass' : 'fail', detail: outcome.detail, hint: outcome.ok ? null : (outcome.hint ?? null) }
  } catch (error) {
    const err = error instanceof Error ? error : new Error(String(error))
    // A resource nobody named: the message already says which flag/env/output to set.
    if (err.name === 'UserError') return { id: spec.id, check: spec.check, status: 'fail', detail: 'not named', hint: err.message }
    return { id: spec.id, check: spec.check, status: 'fail', detail: `${err.name}: ${err.message}`, hint: spec.onError?.(err) ?? GENERIC_HINT }
  }
}

export const skipped = (spec: Pick<CheckSpec, 'id' | 'check'>, why: string): CheckResult => ({ id: spec.id, check: spec.check, status: 'skip', detail: why, hint: null })

export const STATUS_SYMBOL: Record<CheckStatus, string> = { pass: '✓', fail: '✗', skip: '–' }
