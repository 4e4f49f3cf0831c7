#!/usr/bin/env node
// The AWS SDK warns on every start that releases after January 2027 need Node 22; the
// SDK is pinned in package-lock.json, so the warning is noise for operators.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
// Commands are TypeScript, run through tsx: no build step after `npm install`.
import { register } from 'tsx/esm/api'
register()
const { execute } = await import('@oclif/core')
await execute({ dir: import.meta.url })
