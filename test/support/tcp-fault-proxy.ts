// A TCP relay put in front of a real server (s3rver, dynalite) to inject faults into
// the path between the proxy and a store, without touching either side:
//   pass  — bytes flow both ways unchanged;
//   slow  — every chunk towards the server waits `delayMs` (order kept);
//   hang  — connections are accepted and held open, nothing is ever relayed;
//   down  — the listener is closed (ECONNREFUSED) and every open connection reset.
// The port stays the same across modes, so the proxy under test keeps its endpoint.
import { createServer, type Server, type Socket, connect } from 'node:net'

export type FaultMode = 'pass' | 'slow' | 'hang' | 'down'

export interface TcpFaultProxy {
  port: number
  url: string
  mode: FaultMode
  /** Connections accepted so far (how many times the proxy reached for the store). */
  connections: number
  setMode(mode: FaultMode, delayMs?: number): Promise<void>
  close(): Promise<void>
}

export async function startTcpFaultProxy(target: { host: string; port: number }): Promise<TcpFaultProxy> {
  const open = new Set<Socket>()
  let delayMs = 0
  let server: Server | undefined
  let port = 0

  const state: TcpFaultProxy = {
    port: 0,
    url: '',
    mode: 'pass',
    connections: 0,
    async setMode(mode, delay = 0) {
      delayMs = delay
      const wasDown = state.mode === 'down'
      state.mode = mode
      // Every mode change starts from fresh connections: pooled keep-alive sockets made
      // under the old mode must not carry on under the new one.
      for (const s of open) s.destroy()
      open.clear()
      if (mode === 'down' && !wasDown) await stopListening()
      if (mode !== 'down' && wasDown) await listen(port)
    },
    async close() {
      for (const s of open) s.destroy()
      await stopListening()
    },
  }

  function onConnection(client: Socket): void {
    state.connections += 1
    open.add(client)
    client.on('close', () => open.delete(client))
    client.on('error', () => {})
    if (state.mode === 'hang') return
    const upstream = connect(target.port, target.host)
    open.add(upstream)
    upstream.on('close', () => {
      open.delete(upstream)
      client.destroy()
    })
    upstream.on('error', () => client.destroy())
    client.on('close', () => upstream.destroy())
    if (state.mode === 'slow' && delayMs > 0) {
      // Timers of equal delay fire in the order they were set, so chunks stay in order.
      const delay = delayMs
      client.on('data', (chunk) => setTimeout(() => upstream.destroyed || upstream.write(chunk), delay))
      client.on('end', () => setTimeout(() => upstream.end(), delay))
    } else {
      client.pipe(upstream)
    }
    upstream.pipe(client)
  }

  function listen(onPort: number): Promise<void> {
    server = createServer(onConnection)
    return new Promise((resolve, reject) => {
      server!.once('error', reject)
      server!.listen(onPort, '127.0.0.1', () => {
        port = (server!.address() as { port: number }).port
        resolve()
      })
    })
  }

  function stopListening(): Promise<void> {
    const s = server
    server = undefined
    if (!s) return Promise.resolve()
    return new Promise((resolve) => s.close(() => resolve()))
  }

  await listen(0)
  state.port = port
  state.url = `http://127.0.0.1:${port}`
  return state
}

/** Host and port of an `http://host:port` endpoint. */
export function hostPort(endpoint: string): { host: string; port: number } {
  const u = new URL(endpoint)
  return { host: u.hostname, port: Number(u.port) }
}
