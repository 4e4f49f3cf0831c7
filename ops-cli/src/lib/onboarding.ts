// Paste-ready Codex CLI setup for a proxy token. Codex 0.169 ignores OPENAI_BASE_URL
// and makes the built-in provider try WebSockets first (NOTES.md), so the setup always
// declares a `model_providers` entry with wire_api = "responses" and an env_key.
import { CODEX_TOKEN_ENV_VAR } from '../../../lambda/src/contracts/config.js'

export const PROVIDER_ID = 'codex-proxy'
export const TOKEN_ENV_VAR = CODEX_TOKEN_ENV_VAR

export interface CodexSetup {
  base_url: string
  env_var: string
  /** macOS/Linux shell: export the token and run codex against the proxy. */
  shell: string
  /** Windows PowerShell: persist the token for the user and the current session. */
  powershell: string
  /** ~/.codex/config.toml (Windows: %USERPROFILE%\.codex\config.toml). */
  config_toml: string
}

export function codexSetup(proxyUrl: string, token: string): CodexSetup {
  const baseUrl = `${proxyUrl.replace(/\/+$/, '').replace(/\/v1$/, '')}/v1`
  const provider = `{name="${PROVIDER_ID}",base_url="${baseUrl}",wire_api="responses",env_key="${TOKEN_ENV_VAR}"}`
  return {
    base_url: baseUrl,
    env_var: TOKEN_ENV_VAR,
    shell: [
      `export ${TOKEN_ENV_VAR}='${token}'`,
      `codex -c 'model_providers.${PROVIDER_ID}=${provider}' -c model_provider=${PROVIDER_ID}`,
    ].join('\n'),
    powershell: [
      `[Environment]::SetEnvironmentVariable('${TOKEN_ENV_VAR}', '${token}', 'User')`,
      `$env:${TOKEN_ENV_VAR} = '${token}'`,
    ].join('\n'),
    config_toml: [
      `model_provider = "${PROVIDER_ID}"`,
      '',
      `[model_providers.${PROVIDER_ID}]`,
      `name = "${PROVIDER_ID}"`,
      `base_url = "${baseUrl}"`,
      'wire_api = "responses"',
      `env_key = "${TOKEN_ENV_VAR}"`,
    ].join('\n'),
  }
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((l) => (l ? `  ${l}` : l))
    .join('\n')

export function renderSetup(setup: CodexSetup): string {
  return [
    'macOS / Linux (bash, zsh) — run Codex through the proxy:',
    indent(setup.shell),
    '',
    'Windows PowerShell — store the token, then use the config.toml below:',
    indent(setup.powershell),
    '',
    '~/.codex/config.toml (Windows: %USERPROFILE%\\.codex\\config.toml) — makes plain `codex` use the proxy:',
    indent(setup.config_toml),
  ].join('\n')
}
