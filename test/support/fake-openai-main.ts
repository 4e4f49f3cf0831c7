// Child-process entry of the fake upstream (see fake-openai-process.ts): options as JSON
// in argv[2]; reports its URL over IPC, stops on a 'close' message or when the parent goes.
import { type FakeOpenAIOptions, startFakeOpenAI } from './fake-openai.js'

const options = JSON.parse(process.argv[2] ?? '{}') as FakeOpenAIOptions
const upstream = await startFakeOpenAI({ recordRequests: false, ...options })
process.send!({ type: 'ready', url: upstream.url })
const stop = async () => {
  await upstream.close()
  process.exit(0)
}
process.on('message', (m: { type?: string }) => void (m.type === 'close' && stop()))
process.on('disconnect', () => void stop())
