// `npm run build`: bundles the Lambda entry into one ESM file for the nodejs22.x
// runtime (arm64 or x86_64: the bundle is pure JS). The AWS SDK v3 is bundled rather
// than taken from the runtime, so the pinned version runs and only the clients used
// are included (https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html).
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
    entryPoints: ['lambda/src/hosts/lambda-entry.ts'],
    outfile: LAMBDA_BUNDLE,
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
  const bytes = (await stat(LAMBDA_BUNDLE)).size
  const gzipBytes = gzipSync(await readFile(LAMBDA_BUNDLE)).byteLength
  const byPackage = new Map<string, number>()
  for (const [file, input] of Object.entries(result.metafile.outputs[LAMBDA_BUNDLE]!.inputs)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)
    const key = m ? m[1]! : 'codex-proxy'
    byPackage.set(key, (byPackage.get(key) ?? 0) + input.bytesInOutput)
  }
  return { bytes, gzipBytes, byPackage: [...byPackage].sort((a, b) => b[1] - a[1]) }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { bytes, gzipBytes, byPackage } = await buildLambda()
  console.log(`${LAMBDA_BUNDLE}: ${(bytes / 1024).toFixed(0)} KiB (${(gzipBytes / 1024).toFixed(0)} KiB gzip)`)
  for (const [name, size] of byPackage.slice(0, 12)) console.log(`  ${name.padEnd(40)} ${(size / 1024).toFixed(1)} KiB`)
}
