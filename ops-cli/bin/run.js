#!/usr/bin/env node
// The AWS SDK warns on every start that releases after January 2027 need Node 22; the
// SDK is pinned in package-lock.json, so the warning is noise for operators.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { currentBundle } from './bundle-stamp.js'

// The esbuild bundle (ops-cli/build.ts, built by `npm install` and `npm run build:cli`)
// when it was built from exactly the sources here; else the TypeScript sources through
// tsx, so a fresh clone or an edited source still runs, and a stale bundle never does.
// CODEX_PROXY_CLI=bundle requires the bundle, =sources skips it; CODEX_PROXY_CLI_DIST
// points at another build directory (tests); CODEX_PROXY_CLI_TRACE=1 says which ran.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const mode = process.env.CODEX_PROXY_CLI ?? 'auto'
if (!['auto', 'bundle', 'sources'].includes(mode)) {
  process.stderr.write(`codex-proxy: CODEX_PROXY_CLI must be auto, bundle or sources (got "${mode}")\n`)
  process.exit(2)
}
const distDir = process.env.CODEX_PROXY_CLI_DIST ? resolve(process.env.CODEX_PROXY_CLI_DIST) : undefined
const bundle = mode === 'sources' ? { stale: 'CODEX_PROXY_CLI=sources' } : currentBundle(root, distDir)
const trace = (line) => process.env.CODEX_PROXY_CLI_TRACE === '1' && process.stderr.write(`codex-proxy: ${line}\n`)

// A build that passes the stamp but does not load (a file deleted from it by hand) is
// treated like a stale one; nothing has run yet at that point.
let execute
if ('dir' in bundle) {
  try {
    ;({ execute } = await import(pathToFileURL(join(bundle.dir, 'main.js')).href))
  } catch (err) {
    bundle.stale = `the bundle does not load: ${err instanceof Error ? err.message : String(err)}`
  }
}
if (execute) {
  trace(`bundle ${bundle.dir}`)
  await execute({ dir: pathToFileURL(join(bundle.dir, 'package.json')).href })
} else if (mode === 'bundle') {
  process.stderr.write(`codex-proxy: CODEX_PROXY_CLI=bundle but the bundle cannot run: ${bundle.stale}\n`)
  process.exit(2)
} else {
  trace(`sources through tsx (${bundle.stale})`)
  const { register } = await import('tsx/esm/api')
  register()
  const { execute } = await import('@oclif/core')
  await execute({ dir: import.meta.url })
}
