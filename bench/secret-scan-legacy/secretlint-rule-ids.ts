// Our stable rule ids for the reports of secretlint's recommended preset, keyed by
// `<rule short name>/<messageId>`. Rule ids name metrics dimensions, audit findings and
// the redaction marker, so they are kept short and stable here rather than derived from
// upstream message ids, which are not designed as identifiers (`IncomingWebhook`,
// `OPS_TOKEN`). A report from a rule or message that is missing here (a newer preset)
// still counts, under `<rule>-<message-id>`; a unit test lists the preset's messages
// against this table so that an upgrade shows up.

export const SECRETLINT_RULE_IDS: Readonly<Record<string, string>> = {
  'aws/AWSAccessKeyID': 'aws-access-key-id',
  'aws/AWSSecretAccessKey': 'aws-secret-access-key',
  'aws/AWSAccountID': 'aws-account-id',
  'privatekey/PrivateKey': 'private-key',
  'npm/PackageJSON_xOauthToken': 'github-x-oauth-url',
  'npm/Npmrc_authToken': 'npmrc-auth-token',
  'npm/NPM_ACCESS_TOKEN': 'npm-access-token',
  'basicauth/BasicAuth': 'basic-auth-url',
  'slack/SLACK_TOKEN': 'slack-token',
  'slack/IncomingWebhook': 'slack-webhook-url',
  'sendgrid/SENDGRID_KEY': 'sendgrid-api-key',
  'shopify/SHOPIFY_KEY': 'shopify-token',
  'github/GITHUB_TOKEN': 'github-token',
  'gitlab/GITLAB_PERSONAL_ACCESS_TOKEN': 'gitlab-personal-access-token',
  'grafana/GRAFANA_CLOUD_API_TOKEN': 'grafana-cloud-api-token',
  'grafana/GRAFANA_SERVICE_ACCOUNT_TOKEN': 'grafana-service-account-token',
  'openai/OPENAI_TOKEN': 'openai-api-key',
  'anthropic/ANTHROPIC_API_KEY': 'anthropic-api-key',
  'groq/GROQ_API_KEY': 'groq-api-key',
  'huggingface/HUGGINGFACE_USER_ACCESS_TOKEN': 'huggingface-access-token',
  'linear/LINEAR_API_TOKEN': 'linear-api-key',
  'notion/NOTION_INTEGRATION_TOKEN': 'notion-integration-token',
  '1password/OPS_TOKEN': '1password-service-account-token',
  'database-connection-string/MongoDBConnection': 'mongodb-connection-string',
  'database-connection-string/MySQLConnection': 'mysql-connection-string',
  'database-connection-string/PostgreSQLConnection': 'postgresql-connection-string',
  'hashicorp-vault/HASHICORP_VAULT_SERVICE_TOKEN': 'vault-service-token',
  'hashicorp-vault/HASHICORP_VAULT_BATCH_TOKEN': 'vault-batch-token',
  'hashicorp-vault/HASHICORP_VAULT_RECOVERY_TOKEN': 'vault-recovery-token',
  'vercel/VERCEL_PERSONAL_ACCESS_TOKEN': 'vercel-personal-access-token',
  'vercel/VERCEL_INTEGRATION_TOKEN': 'vercel-integration-token',
  'vercel/VERCEL_APP_ACCESS_TOKEN': 'vercel-app-access-token',
  'vercel/VERCEL_APP_REFRESH_TOKEN': 'vercel-app-refresh-token',
  'vercel/VERCEL_AI_GATEWAY_API_KEY': 'vercel-ai-gateway-api-key',
  'databricks/DATABRICKS_PERSONAL_ACCESS_TOKEN': 'databricks-access-token',
  'docker/DOCKER_PERSONAL_ACCESS_TOKEN': 'docker-personal-access-token',
  'figma/FIGMA_PERSONAL_ACCESS_TOKEN': 'figma-personal-access-token',
}

/** The rule id for a report, with a readable fallback for messages not in the table. */
export function secretlintRuleId(ruleShortName: string, messageId: string): string {
  const known = SECRETLINT_RULE_IDS[`${ruleShortName}/${messageId}`]
  if (known) return known
  const kebab = messageId
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .replace(/_/g, '-')
    .toLowerCase()
  return `${ruleShortName}-${kebab}`
}
