// `npm run build`: bundles the Lambda entry into one ESM file for the nodejs22.x
// runtime (arm64 or x86_64: the bundle is pure JS). The AWS SDK v3 is bundled rather
// than taken from the runtime, so the pinned version runs and only the clients used
// are included (https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html).
// Code split: what only some deployments run (the Bedrock client and its credential
// chain, loaded by `import()` for a Bedrock upstream) goes to chunks/ beside the entry,
// so init parses ~half the code (bench/lambda-lean-results.md). The Pulumi program
// deploys the whole directory (infra/proxy.ts FileArchive of dist/lambda).
import { mkdir, rm, stat } from 'node:fs/promises'
import { gzipSync } from 'node:zlib'
import { readFile } from 'node:fs/promises'
import { build } from 'esbuild'
import { priceDataPlugin } from './price-data-plugin.js'
import { PRICE_PROVIDER_IDS } from './src/pricing/package-prices.js'

export const LAMBDA_OUT_DIR = 'dist/lambda'
export const LAMBDA_BUNDLE = `${LAMBDA_OUT_DIR}/index.mjs`

export async function buildLambda(options: { quiet?: boolean } = {}) {
  await rm(LAMBDA_OUT_DIR, { recursive: true, force: true })
  await mkdir(LAMBDA_OUT_DIR, { recursive: true })
  const result = await build({
    entryPoints: { index: 'lambda/src/hosts/lambda-entry.ts' },
    outdir: LAMBDA_OUT_DIR,
    outExtension: { '.js': '.mjs' },
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    sourcemap: 'linked',
    legalComments: 'linked',
    // Prefer the SDK's ES module builds: they tree-shake better.
    mainFields: ['module', 'main'],
    // Some bundled CommonJS dependencies call require() for Node built-ins.
    banner: { js: "import { createRequire as __cxpCreateRequire } from 'node:module'; const require = __cxpCreateRequire(import.meta.url);" },
    plugins: [priceDataPlugin(PRICE_PROVIDER_IDS)],
    metafile: true,
    logLevel: options.quiet ? 'silent' : 'warning',
  })
  // What init loads: the entry and the chunks it imports statically (not those behind import()).
  const outputs = result.metafile.outputs
  const atInit = new Set<string>()
  const visit = (file: string) => {
    if (atInit.has(file)) return
    atInit.add(file)
    for (const i of outputs[file]!.imports) if (i.kind === 'import-statement' && !i.external) visit(i.path)
  }
  visit(LAMBDA_BUNDLE)
  const code = Object.keys(outputs).filter((f) => f.endsWith('.mjs'))
  const bytes = (await Promise.all([...atInit].map((f) => stat(f)))).reduce((n, st) => n + st.size, 0)
  const totalBytes = (await Promise.all(code.map((f) => stat(f)))).reduce((n, st) => n + st.size, 0)
  const gzipBytes = gzipSync(Buffer.concat(await Promise.all([...atInit].map((f) => readFile(f))))).byteLength
  const byPackage = new Map<string, number>()
  for (const file of atInit) {
    for (const [source, input] of Object.entries(outputs[file]!.inputs)) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source)
      const key = m ? m[1]! : 'codex-proxy'
      byPackage.set(key, (byPackage.get(key) ?? 0) + input.bytesInOutput)
    }
  }
  return { bytes, totalBytes, chunks: code.length, gzipBytes, byPackage: [...byPackage].sort((a, b) => b[1] - a[1]) }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { bytes, totalBytes, chunks, gzipBytes, byPackage } = await buildLambda()
  console.log(`${LAMBDA_BUNDLE}: ${(bytes / 1024).toFixed(0)} KiB loaded at init (${(gzipBytes / 1024).toFixed(0)} KiB gzip); ${(totalBytes / 1024).toFixed(0)} KiB in ${chunks} files with the lazy chunks`)
  for (const [name, size] of byPackage.slice(0, 12)) console.log(`  ${name.padEnd(40)} ${(size / 1024).toFixed(1)} KiB`)
}
