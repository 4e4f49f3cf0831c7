// Before the real-runtime suite: the runtime client (built once per machine, cached
// outside the repository) and a fresh production bundle (`npm run build`).
import { execFileSync } from 'node:child_process'
import { buildLambda } from '../../lambda/build.js'
import { RIC_DIR_ENV } from './support/ric-process.js'

export default async function setup(): Promise<void> {
  // Builds the runtime client when the cache is missing (minutes); prints its directory.
  const dir = execFileSync('bash', ['scripts/ensure-lambda-ric.sh'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim()
  process.env[RIC_DIR_ENV] = dir
  await buildLambda({ quiet: true })
}
