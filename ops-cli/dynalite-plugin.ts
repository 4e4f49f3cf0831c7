// esbuild plugin for the CLI bundle: lets dynalite be bundled. dynalite loads each action
// and its validation with `require('./actions/' + action)`; esbuild bundles such a
// computed require as every file of the folder, keyed by file name *with* its extension,
// so the call must name the extension to find them (https://esbuild.github.io/api/#glob).
import { readFile } from 'node:fs/promises'
import type { Plugin } from 'esbuild'

const COMPUTED_REQUIRES = ["require('./actions/' + action)", "require('./validations/' + action)"]

export function withExtensions(source: string): string {
  let out = source
  for (const call of COMPUTED_REQUIRES) {
    if (!out.includes(call)) throw new Error(`dynalite layout changed: no \`${call}\`; update ops-cli/dynalite-plugin.ts`)
    out = out.replace(call, `${call.slice(0, -1)} + '.js')`)
  }
  return out
}

export function dynalitePlugin(): Plugin {
  return {
    name: 'codex-proxy-dynalite',
    setup(build) {
      build.onLoad({ filter: /[\\/]node_modules[\\/]dynalite[\\/]index\.js$/ }, async (args) => ({
        contents: withExtensions(await readFile(args.path, 'utf8')),
        loader: 'js',
      }))
    },
  }
}
