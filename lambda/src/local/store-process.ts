// Runs the embedded stores in a child process: s3rver and dynalite then use the other
// core, and their request handling never sits on the proxy's event loop.
import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { RunningStores, StoreEndpoints } from './embedded-stores.js'

type ChildMessage = { type: 'ready'; endpoints: StoreEndpoints } | { type: 'error'; message: string }

const CHILD_MAIN = fileURLToPath(new URL('./store-process-main.ts', import.meta.url))

export async function spawnStoreProcess(dataDir: string, host = '127.0.0.1'): Promise<RunningStores> {
  const child = fork(CHILD_MAIN, [dataDir, host], {
    // The child runs TypeScript through the same loader as the CLI.
    execArgv: ['--import', import.meta.resolve('tsx')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const endpoints = await new Promise<StoreEndpoints>((resolve, reject) => {
    child.once('message', (m: ChildMessage) => (m.type === 'ready' ? resolve(m.endpoints) : reject(new Error(m.message))))
    child.once('exit', (code) => reject(new Error(`embedded stores exited with code ${code} before they were ready`)))
    child.once('error', reject)
  })
  return { ...endpoints, close: () => stopChild(child) }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  if (child.connected) child.send({ type: 'close' })
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
  await exited
  clearTimeout(timer)
}
