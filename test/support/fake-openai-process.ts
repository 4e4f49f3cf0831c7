// The fake upstream in a process of its own, so that generating the answer does not
// share an event loop (or a heap) with the proxy or the load generator being measured.
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { FakeOpenAIOptions } from './fake-openai.js'

const MAIN = fileURLToPath(new URL('./fake-openai-main.ts', import.meta.url))

export interface FakeOpenAIProcess {
  url: string
  pid: number
  close(): Promise<void>
}

export async function startFakeOpenAIProcess(options: FakeOpenAIOptions = {}): Promise<FakeOpenAIProcess> {
  const child = fork(MAIN, [JSON.stringify(options)], { execArgv: ['--import', import.meta.resolve('tsx')], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { type: string; url: string }) => resolve(m.url))
    child.once('exit', (code) => reject(new Error(`fake upstream exited with code ${code}`)))
  })
  return {
    url,
    pid: child.pid!,
    async close() {
      if (child.exitCode !== null) return
      const exited = new Promise<void>((r) => child.once('exit', () => r()))
      child.send({ type: 'close' })
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
      await exited
      clearTimeout(timer)
    },
  }
}
