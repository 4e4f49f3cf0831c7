// Error texts that AWS itself sends for a Lambda Function URL, before or instead of the
// proxy: the function never ran (or never answered), so no audit record exists. Matched
// by `check-origin` after the proxy's own catalogue (lambda/src/contracts/errors.ts).
// Each entry cites where its wording was observed.

export interface AwsErrorEntry {
  code: string
  status: number
  patterns: RegExp[]
  meaning: string
  action: string
  /** Where the wording comes from. */
  source: string
}

export const AWS_ERRORS: readonly AwsErrorEntry[] = [
  {
    code: 'payload_too_large',
    status: 413,
    // "RequestEntityTooLargeException: Request must be smaller than 6291456 bytes for the
    // InvokeFunction operation" (pelmers/streetwarp-web#14); the SDKs name the error
    // RequestTooLargeException ("exceeded the Invoke request body JSON input quota",
    // botocore Lambda.Client.exceptions.RequestTooLargeException).
    patterns: [/request must be smaller than \d+ bytes for the \w+ operation/i, /RequestEntityTooLargeException/i, /RequestTooLargeException/i],
    meaning: 'The request body was over the 6 MB Lambda invocation payload limit: AWS refused it before the proxy ran, so there is no audit record.',
    action: 'Send smaller requests (fewer or smaller inline images), or run that team on the local/container host (`codex-proxy serve` accepts up to 64 MiB).',
    source: 'AWS Lambda quotas (6 MB synchronous payload); pelmers/streetwarp-web#14; botocore RequestTooLargeException',
  },
  {
    code: 'throttled',
    status: 429,
    // "TooManyRequestsException: Rate Exceeded." (alexcasalboni/aws-lambda-power-tuning#133);
    // its Reason is ConcurrentInvocationLimitExceeded or
    // ReservedFunctionConcurrentInvocationLimitExceeded (botocore Lambda TooManyRequestsException).
    patterns: [/rate exceeded/i, /TooManyRequestsException/i, /ConcurrentInvocationLimitExceeded/i],
    meaning: "Every instance the function may run (its reserved concurrency) was busy: AWS refused the request before the proxy ran, so there is no audit record. Codex does not retry a 429.",
    action: 'Run `codex-proxy report throttles --since 1h`; if throttles repeat, raise codex-proxy:reservedConcurrency as it recommends and `pulumi up`.',
    source: 'alexcasalboni/aws-lambda-power-tuning#133; botocore Lambda TooManyRequestsException (Reason values)',
  },
  {
    code: 'function_url_forbidden',
    status: 403,
    // {"Message":"Forbidden. For troubleshooting Function URL authorization issues, see:
    // https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"} with x-amzn-ErrorType
    // AccessDeniedException (awsdocs/aws-lambda-developer-guide#494).
    patterns: [/function url authorization issues/i, /^\s*\{\s*"message"\s*:\s*"forbidden/i],
    meaning: "The Function URL's authorization layer refused the call before the function ran: a public URL needs both lambda:InvokeFunctionUrl and lambda:InvokeFunction permissions (since October 2025).",
    action: '`pulumi up` restores the two permissions the program declares; then `codex-proxy validate`.',
    source: 'awsdocs/aws-lambda-developer-guide#494; https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html',
  },
  {
    code: 'function_error',
    status: 502,
    // A Function URL answers 502 "Internal Server Error" itself when the function fails
    // without a response (awsdocs/aws-lambda-developer-guide#430). Matched only as the whole
    // body or with the 502 status, because upstream 500s also carry the phrase
    // "Internal Server Error" as their HTTP reason text.
    patterns: [/^\s*(\{\s*"message"\s*:\s*)?"?internal server error"?\s*\}?\s*$/i, /\b502\b.*internal server error/i],
    meaning: 'The function crashed or timed out before it began the response, so the Function URL answered for it.',
    action: 'Look for errors or timeouts in the log group at that time; `codex-proxy report throttles` shows Errors and p99 duration against the timeout.',
    source: 'awsdocs/aws-lambda-developer-guide#430',
  },
]

export function matchAwsError(text: string): AwsErrorEntry | undefined {
  return AWS_ERRORS.find((entry) => entry.patterns.some((p) => p.test(text)))
}
