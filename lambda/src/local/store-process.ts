// Runs the embedded stores in a child process: s3rver and dynalite then use the other
// core, and their request handling never sits on the proxy's event loop. The supervisor
// (store-supervisor.ts) restarts the child when it dies.
import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { childEntry } from './child-entries.js'
import type { RunningStores, StoreEndpoints } from './embedded-stores.js'

type ChildMessage = { type: 'ready'; endpoints: StoreEndpoints } | { type: 'error'; message: string }

export interface StoreProcess extends RunningStores {
  pid: number
  /** Resolves when the child exits, for whatever reason, with how it ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

export interface StoreProcessOptions {
  /** Listen on these ports (restarts keep the endpoints); default ephemeral. */
  dynamodbPort?: number
  s3Port?: number
}

export async function spawnStoreProcess(dataDir: string, host = '127.0.0.1', options: StoreProcessOptions = {}): Promise<StoreProcess> {
  // The bundled entry when the CLI runs from its bundle, else the TypeScript through tsx.
  const entry = childEntry('store-process-main')
  const child = fork(fileURLToPath(entry.url), [dataDir, host, String(options.dynamodbPort ?? 0), String(options.s3Port ?? 0)], {
    execArgv: entry.execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  const endpoints = await new Promise<StoreEndpoints>((resolve, reject) => {
    child.once('message', (m: ChildMessage) => (m.type === 'ready' ? resolve(m.endpoints) : reject(new Error(m.message))))
    void exited.then(({ code, signal }) => reject(new Error(`embedded stores exited (${signal ?? `code ${code}`}) before they were ready`)))
    child.once('error', reject)
  })
  return { ...endpoints, pid: child.pid!, exited, close: () => stopChild(child) }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  if (child.connected) child.send({ type: 'close' })
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
  await exited
  clearTimeout(timer)
}
