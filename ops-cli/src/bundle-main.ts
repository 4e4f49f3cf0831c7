// Entry of the CLI bundle (ops-cli/build.ts → dist/cli/<build>/main.js): oclif itself,
// bundled with the commands so one module graph is parsed instead of hundreds of files,
// and the directory of the bundled child entries for the local host.
import { settings } from '@oclif/core'
import { useBundledEntries } from '../../lambda/src/local/child-entries.js'

useBundledEntries(new URL('.', import.meta.url))
// The bundle is plain JavaScript: oclif must not look for TypeScript sources and register a
// loader for them, which it does when NODE_ENV is "development" or "test".
settings.enableAutoTranspile = false

export { Config, execute } from '@oclif/core'
