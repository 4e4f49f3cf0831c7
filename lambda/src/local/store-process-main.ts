// Entry of the embedded-stores child process (see store-process.ts).
import { startStoreServers } from './embedded-stores.js'

const [dataDir, host, dynamodbPort = '0', s3Port = '0'] = process.argv.slice(2)
// The parent may be gone already (it stopped while this child was starting).
const send = (m: unknown) => {
  if (process.connected) process.send?.(m)
}

try {
  const stores = await startStoreServers({ dataDir: dataDir!, host: host!, dynamodbPort: Number(dynamodbPort), s3Port: Number(s3Port) })
  const stop = async () => {
    await stores.close()
    process.exit(0)
  }
  process.on('message', (m: { type?: string }) => {
    if (m?.type === 'close') void stop()
  })
  // The parent died or closed the channel: do not linger holding the LevelDB lock —
  // also when that happened while the stores were starting (no event will come then).
  process.on('disconnect', () => void stop())
  if (!process.connected) await stop()
  send({ type: 'ready', endpoints: { dynamodbEndpoint: stores.dynamodbEndpoint, s3Endpoint: stores.s3Endpoint } })
} catch (err) {
  const message = err instanceof Error ? err.message : String(err)
  const locked = /lock/i.test(message)
  send({
    type: 'error',
    message: locked ? `the data directory ${dataDir} is in use by another codex-proxy serve (${message})` : message,
  })
  process.exit(1)
}
