// Units of the local host's lifecycle: /healthz through the host's health source, the
// store supervisor's restart policy (backoff, reset, stop), the draining audit sink and the
// fallback-line writer. The real-process counterparts are in test/fault (shutdown,
// store-process, disk-full).
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { AUDIT_FALLBACK_MARKER, type AuditRecord } from '../../lambda/src/contracts/audit-record.js'
import type { AuditSink } from '../../lambda/src/core/ports.js'
import { DrainingAuditSink } from '../../lambda/src/local/draining-audit-sink.js'
import { fallbackLineWriter } from '../../lambda/src/local/fallback-file.js'
import type { StoreProcess } from '../../lambda/src/local/store-process.js'
import { superviseStores } from '../../lambda/src/local/store-supervisor.js'
import { useCoreHarness } from '../support/core-harness.js'
import { CountingMetrics } from '../support/memory-ports.js'
import { sampleRecord } from '../support/records.js'

const h = useCoreHarness()

describe('/healthz and the host health source', () => {
  it('answers 200 ok when healthy or when the host has no health source', async () => {
    for (const health of [undefined, () => ({ ok: true as const })]) {
      const proxy = h.makeProxy({}, 'sk', health ? { health } : {})
      const { response, text } = await h.call(proxy, h.request('/healthz', { token: null }))
      expect(response.status).toBe(200)
      expect(JSON.parse(text)).toMatchObject({ status: 'ok' })
    }
  })

  it('answers 503 degraded with the detail while the host says a dependency is down', async () => {
    const proxy = h.makeProxy({}, 'sk', { health: () => ({ ok: false as const, detail: 'embedded store process down for 2 s' }) })
    const { response, text } = await h.call(proxy, h.request('/healthz', { token: null }))
    expect(response.status).toBe(503)
    expect(JSON.parse(text)).toEqual({ status: 'degraded', version: 'test', detail: 'embedded store process down for 2 s' })
  })
})

/** A controllable fake child: `die()` makes it exit as if killed. */
function fakeChild(pid: number, ports: { dynamodbPort?: number; s3Port?: number }) {
  let exit!: (v: { code: number | null; signal: NodeJS.Signals | null }) => void
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => (exit = r))
  const child: StoreProcess & { die(signal?: NodeJS.Signals): void; closed: boolean } = {
    pid,
    dynamodbEndpoint: `http://127.0.0.1:${ports.dynamodbPort || 4001}`,
    s3Endpoint: `http://127.0.0.1:${ports.s3Port || 4002}`,
    exited,
    closed: false,
    die: (signal = 'SIGKILL') => exit({ code: null, signal }),
    close: async () => {
      child.closed = true
      exit({ code: 0, signal: null })
    },
  }
  return child
}

describe('store supervisor', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('restarts a dead child on the same ports, with doubling delays while restarts fail, and reports health', async () => {
    vi.useFakeTimers()
    const children: ReturnType<typeof fakeChild>[] = []
    const asked: { dynamodbPort?: number; s3Port?: number }[] = []
    let failNext = 0
    const metrics = new CountingMetrics()
    const sup = await superviseStores({
      dataDir: '/unused',
      log: () => {},
      metrics,
      initialDelayMs: 100,
      maxDelayMs: 1_000,
      // Every child counts as having run long enough: the first delay is the initial one.
      stableAfterMs: 0,
      spawn: async (_dir, _host, ports) => {
        asked.push(ports)
        if (failNext > 0) {
          failNext--
          throw new Error('EADDRINUSE')
        }
        const child = fakeChild(100 + children.length, ports)
        children.push(child)
        return child
      },
    })
    expect(sup.health()).toEqual({ ok: true })
    failNext = 3
    children[0]!.die()
    await vi.advanceTimersByTimeAsync(0)
    expect(sup.health().ok).toBe(false)
    expect(sup.health()).toMatchObject({ ok: false, detail: expect.stringMatching(/killed by SIGKILL/) })
    expect(metrics.count('LocalStoreRestarts')).toBe(1)
    // Attempts at 100, then +200, +400, +800 (doubling): the 4th succeeds.
    await vi.advanceTimersByTimeAsync(100)
    expect(asked).toHaveLength(2)
    expect(sup.health()).toMatchObject({ detail: expect.stringMatching(/1 failed attempt, last: EADDRINUSE/) })
    await vi.advanceTimersByTimeAsync(199)
    expect(asked).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(1)
    expect(asked).toHaveLength(3)
    await vi.advanceTimersByTimeAsync(400)
    expect(asked).toHaveLength(4)
    await vi.advanceTimersByTimeAsync(800)
    expect(asked).toHaveLength(5)
    expect(sup.health()).toEqual({ ok: true })
    expect(sup.pid).toBe(101)
    expect(sup.restarts).toBe(1)
    // Every restart asked for the first child's ports.
    for (const ports of asked.slice(1)) expect(ports).toEqual({ dynamodbPort: 4001, s3Port: 4002 })
    await sup.close()
    expect(children[1]!.closed).toBe(true)
  })

  it('caps the delay, and resets it after a child that stayed up', async () => {
    vi.useFakeTimers()
    const children: ReturnType<typeof fakeChild>[] = []
    const spawnedAt: number[] = []
    let failNext = 0
    const sup = await superviseStores({
      dataDir: '/unused',
      log: () => {},
      initialDelayMs: 100,
      maxDelayMs: 300,
      stableAfterMs: 10_000,
      spawn: async (_d, _h, ports) => {
        spawnedAt.push(Date.now())
        if (failNext > 0) {
          failNext--
          throw new Error('boom')
        }
        const c = fakeChild(children.length, ports)
        children.push(c)
        return c
      },
    })
    failNext = 4
    // Died right after starting: that counts as a failed attempt (first delay 200, not 100).
    children[0]!.die()
    await vi.advanceTimersByTimeAsync(200 + 300 + 300 + 300 + 300)
    const gaps = spawnedAt.slice(1).map((t, i) => t - spawnedAt[i]!)
    expect(gaps).toEqual([200, 300, 300, 300, 300])
    expect(sup.health().ok).toBe(true)
    // Up for longer than stableAfterMs: the next crash starts again from the first delay.
    await vi.advanceTimersByTimeAsync(10_000)
    const before = spawnedAt.length
    children.at(-1)!.die()
    await vi.advanceTimersByTimeAsync(100)
    expect(spawnedAt.length).toBe(before + 1)
    await sup.close()
  })

  it('a child that keeps dying soon after it started is restarted with growing delays (no spin)', async () => {
    vi.useFakeTimers()
    const spawnedAt: number[] = []
    const children: ReturnType<typeof fakeChild>[] = []
    const sup = await superviseStores({
      dataDir: '/unused',
      log: () => {},
      initialDelayMs: 100,
      maxDelayMs: 10_000,
      stableAfterMs: 60_000,
      spawn: async (_d, _h, ports) => {
        spawnedAt.push(Date.now())
        const c = fakeChild(children.length, ports)
        children.push(c)
        // Each child dies 10 ms after it is up.
        setTimeout(() => c.die('SIGSEGV'), 10)
        return c
      },
    })
    await vi.advanceTimersByTimeAsync(10 + 200 + 10 + 400 + 10 + 800 + 10)
    const gaps = spawnedAt.slice(1).map((t, i) => t - spawnedAt[i]!)
    expect(gaps).toEqual([210, 410, 810])
    await sup.close()
  })

  it('does not restart after close(), and an exit asked for is not a crash', async () => {
    vi.useFakeTimers()
    const children: ReturnType<typeof fakeChild>[] = []
    const sup = await superviseStores({
      dataDir: '/unused',
      log: () => {},
      initialDelayMs: 100,
      spawn: async (_d, _h, ports) => {
        const c = fakeChild(children.length, ports)
        children.push(c)
        return c
      },
    })
    await sup.close()
    await vi.advanceTimersByTimeAsync(10_000)
    expect(children).toHaveLength(1)
    expect(sup.health()).toEqual({ ok: false, detail: 'embedded store process stopped' })
  })
})

describe('DrainingAuditSink', () => {
  const lines: string[] = []
  const recordsIn = () => lines.map((l) => (JSON.parse(l.slice(AUDIT_FALLBACK_MARKER.length + 1)) as { reason: string; record: AuditRecord }))

  it('abandon(): records still being written become fallback lines at once, later ones go straight there, no duplicates', async () => {
    lines.length = 0
    const metrics = new CountingMetrics()
    const finish: Array<(ok: boolean) => void> = []
    const inner: AuditSink = { write: () => new Promise<void>((resolve, reject) => finish.push((ok) => (ok ? resolve() : reject(new Error('late failure'))))) }
    const sink = new DrainingAuditSink(inner, (l) => void lines.push(l), metrics)
    const a = sink.write(sampleRecord({ request_id: 'A' }))
    const b = sink.write(sampleRecord({ request_id: 'B' }))
    expect(sink.pending).toBe(2)
    expect(sink.abandon()).toBe(2)
    expect(recordsIn().map((r) => r.record.request_id)).toEqual(['A', 'B'])
    expect(recordsIn()[0]!.reason).toMatch(/stopped before the store write finished/)
    // The inner writes end later, one failing: no second line for either.
    finish[0]!(true)
    finish[1]!(false)
    await Promise.all([a, b])
    expect(lines).toHaveLength(2)
    await sink.write(sampleRecord({ request_id: 'C' }))
    expect(recordsIn().map((r) => r.record.request_id)).toEqual(['A', 'B', 'C'])
    expect(finish).toHaveLength(2)
    expect(metrics.count('AuditWriteFailures')).toBe(3)
  })

  it('a record whose inner sink (and its own fallback) fails is still written as a line', async () => {
    lines.length = 0
    const sink = new DrainingAuditSink({ write: async () => Promise.reject(new Error('fallback failed too')) }, (l) => void lines.push(l), new CountingMetrics())
    await sink.write(sampleRecord({ request_id: 'D' }))
    expect(recordsIn().map((r) => r.record.request_id)).toEqual(['D'])
  })
})

describe('fallbackLineWriter', () => {
  it('appends to the file and copies to stderr', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cxp-fallback-'))
    const out: string[] = []
    const write = fallbackLineWriter(join(dir, 'audit-fallback.log'), (t) => void out.push(t))
    write('LINE-1')
    write('LINE-2')
    expect(await readFile(join(dir, 'audit-fallback.log'), 'utf8')).toBe('LINE-1\nLINE-2\n')
    expect(out).toEqual(['LINE-1\n', 'LINE-2\n'])
  })

  it('never throws when the file cannot be written, and says stderr holds the only copy', () => {
    const out: string[] = []
    const write = fallbackLineWriter('/nonexistent-dir-cxp/audit-fallback.log', (t) => void out.push(t))
    expect(() => write('LINE')).not.toThrow()
    expect(out[0]).toBe('LINE\n')
    expect(out[1]).toMatch(/could not append the fallback line above to .*\(ENOENT\); stderr holds the only copy/)
  })
})
