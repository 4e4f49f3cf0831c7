// Shared behaviour of every ops command: `--json` prints the typed result that `run()`
// returns (the human view is a rendering of the same value); known failures become a
// one-line message and exit code 1, never a stack trace.
import { Command } from '@oclif/core'

/** A failure the user can act on; its message is the whole story. */
export class UserError extends Error {
  override name = 'UserError'
}

const EXPECTED_ERRORS = new Set([
  'UserError',
  'ConfigError',
  'LocalStackNotRunning',
  'TokenAdminError',
  'KeyFormatError',
  'CredentialsProviderError',
  'ResourceNotFoundException',
  'NoSuchBucket',
  'AccessDeniedException',
  'AccessDenied',
  'UnrecognizedClientException',
])

export abstract class BaseCommand<T> extends Command {
  static override enableJsonFlag = true

  /**
   * Set by run() when its result reports a failure (a ✗ check): the result is still
   * printed (table or --json), then the command exits 1.
   */
  protected failed = false

  abstract override run(): Promise<T>

  protected override async _run<R>(): Promise<R> {
    const result = await super._run<R>()
    if (this.failed) this.exit(1)
    return result
  }

  protected override async catch(err: Error & { exitCode?: number; oclif?: unknown }): Promise<unknown> {
    if (err.oclif !== undefined) return super.catch(err)
    if (EXPECTED_ERRORS.has(err.name) || err.name.endsWith('Exception')) {
      return super.catch(Object.assign(new Error(describeAwsError(err)), { exitCode: 1 }))
    }
    return super.catch(err)
  }
}

function describeAwsError(err: Error): string {
  if (err.name === 'CredentialsProviderError') {
    return `no AWS credentials found (${err.message}); configure them (AWS_PROFILE, aws sso login) or use --local`
  }
  if (err.name === 'ResourceNotFoundException') return `AWS resource not found: ${err.message} (check --region and the target names)`
  return err.message
}
