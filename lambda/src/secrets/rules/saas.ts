// Messaging, e-mail, payments, social networks and AI providers.
import { ALNUM, HEX, UUID, assigned, custom, prefixed } from './define.js'
import type { SecretRule } from './types.js'

const B62 = 'A-Za-z0-9'
const B64URL = 'A-Za-z0-9_-'

export const MESSAGING_RULES: readonly SecretRule[] = [
  custom({ id: 'slack-bot-token', title: 'Slack bot token (xoxb-)', source: 'Slack docs, "Token types"; gitleaks:slack-bot-token, slack-legacy-bot-token', keywords: ['xoxb-'], pattern: /(?<![A-Za-z0-9_])xoxb-[0-9]{8,14}-(?:[0-9]{10,13}-[A-Za-z0-9]{24,34}|[A-Za-z0-9]{18,26})(?![A-Za-z0-9])/g, maxLength: 70 }),
  custom({ id: 'slack-user-token', title: 'Slack user token (xoxp-)', source: 'Slack docs, "Token types"; gitleaks:slack-user-token', keywords: ['xoxp-'], pattern: /(?<![A-Za-z0-9_])xoxp-[0-9]{10,13}-[0-9]{10,13}-[0-9]{10,13}-[A-Za-z0-9]{28,34}(?![A-Za-z0-9])/g, maxLength: 80 }),
  custom({ id: 'slack-app-token', title: 'Slack app-level token (xapp-)', source: 'Slack docs, "Token types"; gitleaks:slack-app-token', keywords: ['xapp-'], pattern: /(?<![A-Za-z0-9_])xapp-[0-9]-[A-Z0-9]{9,12}-[0-9]{10,13}-[a-z0-9]{64}(?![A-Za-z0-9])/g, maxLength: 100 }),
  custom({ id: 'slack-config-token', title: 'Slack configuration access / refresh token (xoxe.xoxp-, xoxe-)', source: 'gitleaks:slack-config-access-token, slack-config-refresh-token', keywords: ['xoxe'], pattern: /(?<![A-Za-z0-9_])xoxe(?:\.xox[bp]-[0-9]-[A-Z0-9]{163,166}|-[0-9]-[A-Z0-9]{146})(?![A-Za-z0-9])/g, maxLength: 180 }),
  custom({ id: 'slack-legacy-token', title: 'Slack legacy / workspace token (xoxa-, xoxr-, xoxo-, xoxs-)', source: 'gitleaks:slack-legacy-token, slack-legacy-workspace-token', keywords: ['xoxa-', 'xoxr-', 'xoxo-', 'xoxs-'], pattern: /(?<![A-Za-z0-9_-])xox[aros]-(?:[0-9]{1,14}-){0,3}(?=([0-9A-Za-z]{8,48}))\1(?![A-Za-z0-9-])/g, maxLength: 110 }),
  custom({ id: 'slack-webhook-url', title: 'Slack incoming webhook / workflow URL', source: 'Slack docs, "Sending messages using incoming webhooks"; gitleaks:slack-webhook-url', keywords: ['hooks.slack.com/'], pattern: /(?:https?:\/\/)?hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9+/]{43,56}/g, maxLength: 98 }),
  custom({ id: 'microsoft-teams-webhook', title: 'Microsoft Teams incoming webhook URL', source: 'gitleaks:microsoft-teams-webhook', keywords: ['/incomingwebhook/'], pattern: /https:\/\/[a-z0-9-]{1,60}\.webhook\.office\.com\/webhookb2\/[a-z0-9-]{36}@[a-z0-9-]{36}\/IncomingWebhook\/[a-z0-9]{32}\/[a-z0-9-]{36}/g, maxLength: 260 }),
  custom({ id: 'discord-webhook-url', title: 'Discord webhook URL', source: 'Discord developer docs, "Webhook resource" (execute URL)', keywords: ['/api/webhooks/'], pattern: /(?:https?:\/\/)?(?:ptb\.|canary\.)?discord(?:app)?\.com\/api\/webhooks\/[0-9]{17,20}\/[A-Za-z0-9_-]{60,68}/g, maxLength: 140 }),
  assigned({ id: 'discord-bot-token', title: 'Discord bot token next to its name', source: 'Discord developer docs, bot tokens (id.timestamp.hmac); gitleaks:discord-api-token', names: ['discord'], value: '[mn][a-z0-9_-]{23,25}\\.[a-z0-9_-]{6}\\.[a-z0-9_-]{27,38}', valueMax: 72 }),
  assigned({ id: 'discord-client-secret', title: 'Discord client secret next to its name', source: 'gitleaks:discord-client-secret', names: ['discord'], value: '[a-z0-9=_-]{32}', valueMax: 32, minEntropy: 3.5 }),
  custom({ id: 'telegram-bot-token', title: 'Telegram bot token (id:AA…)', source: 'Telegram Bot API docs, "Authorizing your bot"; gitleaks:telegram-bot-api-token', keywords: [':aa'], pattern: /(?<![0-9])[0-9]{8,10}:AA[A-Za-z0-9_-]{33}(?![A-Za-z0-9_-])/g, maxLength: 46 }),
  custom({ id: 'twilio-api-key', title: 'Twilio API key secret id (SK + 32 hex)', source: 'Twilio docs, "API keys" (SK prefix); gitleaks:twilio-api-key', keywords: ['sk'], pattern: /(?<![A-Za-z0-9_])SK[0-9a-fA-F]{32}(?![A-Za-z0-9_])/g, maxLength: 34, minEntropy: 3 }),
  assigned({ id: 'twilio-auth-token', title: 'Twilio auth token next to its name', source: 'Twilio docs, "Auth tokens" (32 hex)', names: ['twilio'], value: HEX(32), valueMax: 32 }),
  prefixed({ id: 'sendgrid-api-key', title: 'SendGrid API key (SG.)', source: 'Twilio SendGrid docs, API keys; gitleaks:sendgrid-api-token', prefix: 'SG.', body: B64URL, length: 22, suffix: ['\\.[A-Za-z0-9_-]{43}', 44] }),
  prefixed({ id: 'brevo-api-key', title: 'Brevo (Sendinblue) API / SMTP key (xkeysib-/xsmtpsib-)', source: 'Brevo docs, API keys; gitleaks:sendinblue-api-token', prefix: ['xkeysib-', 'xsmtpsib-'], body: 'a-f0-9', length: 64, suffix: ['-[A-Za-z0-9]{16}', 17] }),
  assigned({ id: 'mailchimp-api-key', title: 'Mailchimp API key (…-usNN) next to its name', source: 'Mailchimp docs, API keys (32 hex + data center); gitleaks:mailchimp-api-key', names: ['mailchimp', 'mc_api_key'], value: '[a-f0-9]{32}-us[0-9]{1,2}', valueMax: 37 }),
  assigned({ id: 'mailgun-api-key', title: 'Mailgun private API key (key-…) next to its name', source: 'gitleaks:mailgun-private-api-token', names: ['mailgun'], value: 'key-[a-f0-9]{32}', valueMax: 36 }),
  assigned({ id: 'mailgun-signing-key', title: 'Mailgun webhook signing key next to its name', source: 'gitleaks:mailgun-signing-key', names: ['mailgun'], value: '[a-h0-9]{32}-[a-h0-9]{8}-[a-h0-9]{8}', valueMax: 50 }),
  assigned({ id: 'postmark-server-token', title: 'Postmark server / account token (UUID) next to its name', source: 'Postmark docs, API tokens (UUID)', names: ['postmark'], value: UUID, valueMax: 36 }),
  assigned({ id: 'messagebird-api-key', title: 'MessageBird API key next to its name', source: 'gitleaks:messagebird-api-token', names: ['messagebird', 'message_bird', 'message-bird'], value: ALNUM(25), valueMax: 25 }),
  assigned({ id: 'mattermost-access-token', title: 'Mattermost access token next to its name', source: 'gitleaks:mattermost-access-token', names: ['mattermost'], value: ALNUM(26), valueMax: 26 }),
  assigned({ id: 'zendesk-secret-key', title: 'Zendesk API token next to its name', source: 'gitleaks:zendesk-secret-key', names: ['zendesk'], value: ALNUM(40), valueMax: 40 }),
  assigned({ id: 'twitter-bearer-token', title: 'Twitter/X bearer token (AAAA…) next to its name', source: 'gitleaks:twitter-bearer-token', names: ['twitter', 'bearer_token'], value: 'A{22}[a-z0-9%]{80,100}', valueMax: 122, placeholderCheck: false, minEntropy: 3.5 }),
  assigned({ id: 'twitter-api-secret', title: 'Twitter/X API secret next to its name', source: 'gitleaks:twitter-api-secret', names: ['twitter'], value: ALNUM(50), valueMax: 50 }),
  assigned({ id: 'twitter-access-token', title: 'Twitter/X access token (id-…) next to its name', source: 'gitleaks:twitter-access-token', names: ['twitter'], value: '[0-9]{15,25}-[a-z0-9]{20,40}', valueMax: 66 }),
  assigned({ id: 'twitter-access-secret', title: 'Twitter/X access token secret next to its name', source: 'gitleaks:twitter-access-secret', names: ['twitter'], value: ALNUM(45), valueMax: 45 }),
  prefixed({ id: 'facebook-access-token', title: 'Facebook / Meta Graph API access token (EAA…)', source: 'Meta for Developers, access tokens (EAA prefix); gitleaks:facebook-page-access-token', prefix: 'EAA', body: B62, length: [100, 400], minEntropy: 4 }),
  assigned({ id: 'facebook-app-secret', title: 'Facebook app secret next to its name', source: 'gitleaks:facebook-secret', names: ['facebook', 'fb_app_secret'], value: HEX(32), valueMax: 32 }),
  assigned({ id: 'linkedin-client-secret', title: 'LinkedIn client secret next to its name', source: 'gitleaks:linkedin-client-secret', names: ['linkedin', 'linked_in', 'linked-in'], value: ALNUM(16), valueMax: 16 }),
  assigned({ id: 'twitch-api-token', title: 'Twitch API token next to its name', source: 'gitleaks:twitch-api-token', names: ['twitch'], value: ALNUM(30), valueMax: 30 }),
  prefixed({ id: 'dropbox-short-lived-token', title: 'Dropbox short-lived access token (sl.)', source: 'Dropbox docs, OAuth access tokens (sl. prefix); gitleaks:dropbox-short-lived-api-token', prefix: 'sl.', body: 'A-Za-z0-9_.=-', length: [130, 1400], minEntropy: 4 }),
  assigned({ id: 'dropbox-long-lived-token', title: 'Dropbox long-lived access token next to its name', source: 'gitleaks:dropbox-long-lived-api-token', names: ['dropbox'], value: '[a-z0-9]{11}AAAAAAAAAA[a-z0-9_=-]{43}', valueMax: 64, placeholderCheck: false }),
]

const shopify = (id: string, prefix: string, what: string): SecretRule =>
  prefixed({ id, title: `Shopify ${what} (${prefix})`, source: `Shopify docs, "Access tokens" (token prefixes); gitleaks:${id}`, prefix, body: 'a-fA-F0-9', length: 32 })

export const PAYMENT_RULES: readonly SecretRule[] = [
  shopify('shopify-access-token', 'shpat_', 'Admin API access token'),
  shopify('shopify-custom-access-token', 'shpca_', 'custom app access token'),
  shopify('shopify-private-app-access-token', 'shppa_', 'private app access token'),
  shopify('shopify-shared-secret', 'shpss_', 'app shared secret'),
  custom({ id: 'stripe-secret-key', title: 'Stripe secret or restricted key (sk_/rk_ live/test)', source: 'https://docs.stripe.com/keys; gitleaks:stripe-access-token', keywords: ['sk_live_', 'sk_test_', 'rk_live_', 'rk_test_', 'sk_prod_', 'rk_prod_'], pattern: /(?<![A-Za-z0-9_])[rs]k_(?:live|test|prod)_[0-9A-Za-z]{20,247}(?![0-9A-Za-z])/g, maxLength: 256 }),
  prefixed({ id: 'stripe-webhook-secret', title: 'Stripe webhook signing secret (whsec_)', source: 'Stripe docs, "Check the webhook signatures"', prefix: 'whsec_', body: 'A-Za-z0-9+/=', length: [32, 64] }),
  prefixed({ id: 'square-access-token', title: 'Square access token (EAAA…, sq0atp-)', source: 'Square docs, access tokens; gitleaks:square-access-token', prefix: ['EAAA', 'sq0atp-'], body: B64URL, length: [22, 60], minEntropy: 3.5 }),
  prefixed({ id: 'square-oauth-secret', title: 'Square application secret (sq0csp-)', source: 'Square docs, OAuth application secret', prefix: 'sq0csp-', body: B64URL, length: 43 }),
  custom({ id: 'braintree-access-token', title: 'PayPal Braintree access token (access_token$production$…)', source: 'Braintree docs, access tokens', keywords: ['access_token$'], pattern: /access_token\$(?:production|sandbox)\$[0-9a-z]{16}\$[0-9a-f]{32}/g, maxLength: 80 }),
  prefixed({ id: 'plaid-access-token', title: 'Plaid access token (access-<env>-UUID)', source: 'Plaid docs, access tokens; gitleaks:plaid-api-token', prefix: ['access-sandbox-', 'access-development-', 'access-production-'], body: 'a-f0-9', length: 8, suffix: ['-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}', 28] }),
  assigned({ id: 'plaid-secret-key', title: 'Plaid secret next to its name', source: 'gitleaks:plaid-secret-key', names: ['plaid'], value: ALNUM(30), valueMax: 30, minEntropy: 3.5 }),
  prefixed({ id: 'shippo-api-token', title: 'Shippo API token (shippo_live_/shippo_test_)', source: 'gitleaks:shippo-api-token', prefix: ['shippo_live_', 'shippo_test_'], body: 'a-fA-F0-9', length: 40 }),
  prefixed({ id: 'easypost-api-key', title: 'EasyPost API key (EZAK/EZTK)', source: 'gitleaks:easypost-api-token, easypost-test-api-token', prefix: ['EZAK', 'EZTK'], body: B62, length: 54 }),
  assigned({ id: 'lob-api-key', title: 'Lob API key (live_/test_) next to its name', source: 'gitleaks:lob-api-key', names: ['lob'], value: '(?:live|test)_[a-f0-9]{35}', valueMax: 40 }),
  prefixed({ id: 'duffel-api-token', title: 'Duffel API token (duffel_live_/duffel_test_)', source: 'gitleaks:duffel-api-token', prefix: ['duffel_live_', 'duffel_test_'], body: 'A-Za-z0-9_=-', length: 43 }),
  custom({ id: 'flutterwave-secret-key', title: 'Flutterwave secret key (FLWSECK-…-X)', source: 'gitleaks:flutterwave-secret-key', keywords: ['flwseck'], pattern: /(?<![A-Za-z0-9_])FLWSECK(?:_TEST)?-[a-hA-H0-9]{32}-X(?![A-Za-z0-9])/g, maxLength: 52 }),
  assigned({ id: 'gocardless-api-token', title: 'GoCardless access token next to its name', source: 'gitleaks:gocardless-api-token', names: ['gocardless'], value: '(?:live|sandbox)_[a-z0-9_=-]{40}', valueMax: 48 }),
  assigned({ id: 'coinbase-access-token', title: 'Coinbase API secret next to its name', source: 'gitleaks:coinbase-access-token', names: ['coinbase'], value: '[a-z0-9_-]{64}', valueMax: 64 }),
  assigned({ id: 'kraken-access-token', title: 'Kraken API private key next to its name', source: 'Kraken API docs (private key: base64 of 64 bytes); gitleaks:kraken-access-token', names: ['kraken'], value: '[a-z0-9/+]{86}==', valueMax: 88, minEntropy: 4 }),
  assigned({ id: 'kucoin-secret-key', title: 'KuCoin API secret (UUID) next to its name', source: 'gitleaks:kucoin-secret-key', names: ['kucoin'], value: UUID, valueMax: 36 }),
  assigned({ id: 'binance-api-secret', title: 'Binance API secret next to its name', source: 'Binance API docs (64-character keys)', names: ['binance'], value: ALNUM(64), valueMax: 64 }),
  assigned({ id: 'bittrex-secret-key', title: 'Bittrex API secret next to its name', source: 'gitleaks:bittrex-secret-key', names: ['bittrex'], value: ALNUM(32), valueMax: 32 }),
  assigned({ id: 'razorpay-key-secret', title: 'Razorpay key secret next to its name', source: 'Razorpay docs, API keys (24-character secret)', names: ['razorpay'], value: '[a-z0-9]{24}', valueMax: 24, minEntropy: 3.5 }),
]

export const AI_RULES: readonly SecretRule[] = [
  // Project, service-account and admin keys carry `T3BlbkFJ` (base64 of "OpenAI") in the middle.
  custom({ id: 'openai-api-key', title: 'OpenAI API key (sk-proj-/sk-svcacct-/sk-admin-/legacy, with T3BlbkFJ)', source: 'OpenAI API reference, "Authentication"; gitleaks:openai-api-key', keywords: ['t3blbkfj'], pattern: /(?<![A-Za-z0-9_-])sk-(?:(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{20,200}|[A-Za-z0-9]{20,48})T3BlbkFJ[A-Za-z0-9_-]{20,200}(?![A-Za-z0-9_-])/g, maxLength: 420 }),
  prefixed({ id: 'anthropic-api-key', title: 'Anthropic API key (sk-ant-api03-)', source: 'Anthropic docs, API keys; gitleaks:anthropic-api-key', prefix: 'sk-ant-api03-', body: B64URL, length: 93, suffix: ['AA', 2] }),
  prefixed({ id: 'anthropic-admin-key', title: 'Anthropic Admin API key (sk-ant-admin01-)', source: 'gitleaks:anthropic-admin-api-key', prefix: 'sk-ant-admin01-', body: B64URL, length: 93, suffix: ['AA', 2] }),
  prefixed({ id: 'groq-api-key', title: 'Groq API key (gsk_)', source: 'Groq console keys (gsk_ + 52); secretlint-rule-groq', prefix: 'gsk_', body: B62, length: 52 }),
  prefixed({ id: 'perplexity-api-key', title: 'Perplexity API key (pplx-)', source: 'gitleaks:perplexity-api-key', prefix: 'pplx-', body: B62, length: 48 }),
  prefixed({ id: 'replicate-api-token', title: 'Replicate API token (r8_)', source: 'Replicate docs, API tokens (r8_ + 37)', prefix: 'r8_', body: B62, length: 37 }),
  prefixed({ id: 'xai-api-key', title: 'xAI API key (xai-)', source: 'xAI docs, API keys (xai- + 80)', prefix: 'xai-', body: B62, length: 80 }),
  prefixed({ id: 'openrouter-api-key', title: 'OpenRouter API key (sk-or-v1-)', source: 'OpenRouter docs, API keys (sk-or-v1- + 64 hex)', prefix: 'sk-or-v1-', body: 'a-f0-9', length: 64 }),
  prefixed({ id: 'langsmith-api-key', title: 'LangSmith API key (lsv2_pt_/lsv2_sk_)', source: 'LangSmith docs, API keys', prefix: ['lsv2_pt_', 'lsv2_sk_'], body: 'a-f0-9', length: 32, suffix: ['_[a-f0-9]{10}', 11] }),
  prefixed({ id: 'pinecone-api-key', title: 'Pinecone API key (pcsk_)', source: 'Pinecone docs, API keys (pcsk_ prefix)', prefix: 'pcsk_', body: B62, length: [4, 8], suffix: ['_[A-Za-z0-9]{50,80}', 81] }),
  prefixed({ id: 'fireworks-api-key', title: 'Fireworks AI API key (fw_)', source: 'Fireworks AI docs, API keys (fw_ prefix)', prefix: 'fw_', body: B62, length: 24 }),
  assigned({ id: 'cohere-api-key', title: 'Cohere API key next to its name', source: 'gitleaks:cohere-api-token', names: ['cohere', 'co_api_key'], value: ALNUM(40), valueMax: 40 }),
  assigned({ id: 'mistral-api-key', title: 'Mistral AI API key next to its name', source: 'Mistral docs, API keys (32 characters)', names: ['mistral'], value: ALNUM(32), valueMax: 32, minEntropy: 3.5 }),
  assigned({ id: 'together-api-key', title: 'Together AI API key next to its name', source: 'Together AI docs, API keys (64 hex, optionally tgp_v1_)', names: ['together_api_key', 'together_key', 'togetherai'], value: '(?:[a-f0-9]{64}|tgp_v1_[a-z0-9_-]{43})', valueMax: 64 }),
  assigned({ id: 'deepseek-api-key', title: 'DeepSeek API key next to its name', source: 'DeepSeek docs, API keys (sk- + 32 hex)', names: ['deepseek'], value: 'sk-[a-f0-9]{32}', valueMax: 35 }),
  assigned({ id: 'elevenlabs-api-key', title: 'ElevenLabs API key next to its name', source: 'ElevenLabs docs, xi-api-key (sk_ + 48 hex, legacy 32 hex)', names: ['elevenlabs', 'xi-api-key', 'xi_api_key'], value: '(?:sk_[a-f0-9]{48}|[a-f0-9]{32})', valueMax: 51 }),
  assigned({ id: 'wandb-api-key', title: 'Weights & Biases API key next to its name', source: 'W&B docs, API keys (40 hex)', names: ['wandb'], value: HEX(40), valueMax: 40 }),
  assigned({ id: 'assemblyai-api-key', title: 'AssemblyAI API key next to its name', source: 'AssemblyAI docs, API keys (32 hex)', names: ['assemblyai', 'assembly_ai'], value: HEX(32), valueMax: 32 }),
  assigned({ id: 'deepgram-api-key', title: 'Deepgram API key next to its name', source: 'Deepgram docs, API keys (40 hex)', names: ['deepgram'], value: HEX(40), valueMax: 40 }),
  assigned({ id: 'voyage-api-key', title: 'Voyage AI API key next to its name', source: 'Voyage AI docs, API keys (pa- prefix)', names: ['voyage'], value: 'pa-[a-z0-9_-]{43}', valueMax: 46 }),
]
