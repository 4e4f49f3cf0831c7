// The running local stack announces itself in `<data dir>/stack.json`, so that CLI
// commands with `--local` find its store endpoints (LevelDB allows one process only,
// so they must go through the running server) and can tell when it is not running.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { ENV } from '../contracts/config.js'

export interface LocalStackInfo {
  pid: number
  url: string
  dynamodb_endpoint: string
  s3_endpoint: string
  tokens_table: string
  usage_table: string
  bucket: string
  started_at: string
  version: string
}

export class LocalStackNotRunning extends Error {
  override name = 'LocalStackNotRunning'
}

export function defaultDataDir(env: Record<string, string | undefined> = process.env): string {
  return resolve(env[ENV.dataDir] || join(homedir(), '.codex-proxy'))
}

export const stackFilePath = (dataDir: string) => join(dataDir, 'stack.json')

export async function writeStackFile(dataDir: string, info: LocalStackInfo): Promise<void> {
  await mkdir(dataDir, { recursive: true })
  await writeFile(stackFilePath(dataDir), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 })
}

export async function removeStackFile(dataDir: string): Promise<void> {
  await rm(stackFilePath(dataDir), { force: true })
}

export async function readStackFile(dataDir: string): Promise<LocalStackInfo | undefined> {
  try {
    return JSON.parse(await readFile(stackFilePath(dataDir), 'utf8')) as LocalStackInfo
  } catch {
    return undefined
  }
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The running stack for `dataDir`, or a clear error saying how to start it. */
export async function findRunningStack(dataDir: string): Promise<LocalStackInfo> {
  const info = await readStackFile(dataDir)
  const hint = `start it with \`npm start\` or \`codex-proxy serve --data-dir ${dataDir}\``
  if (!info) throw new LocalStackNotRunning(`no local codex-proxy stack is running for data dir ${dataDir}: ${hint}`)
  if (!isProcessAlive(info.pid)) {
    throw new LocalStackNotRunning(`the local codex-proxy stack for ${dataDir} (pid ${info.pid}) is no longer running: ${hint}`)
  }
  return info
}
