// The long soak (`npm run bench -- --soak SECONDS`): the CI soak of test/load/soak.test.ts
// run for longer, printing the samples and the verdict figures.
import { startLoadStack } from '../test/load/load-stack.js'
import { meanRss, runSoak } from '../test/load/soak.js'

// The SDK's Node 22 notice is noise here (the SDK is pinned; see ops-cli/bin/run.js).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

const seconds = Number(process.argv[2] ?? 300)
const stack = await startLoadStack({ upstream: { eventDelayMs: 20, deltas: 10 } })
try {
  const r = await runSoak(stack, { ratePerSec: 20, durationS: seconds, sampleEveryS: Math.max(5, seconds / 30), idleS: 6, log: (l) => console.log(l) })
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`
  const early = meanRss(r.samples, 0, 1 / 3)
  const late = meanRss(r.samples, 2 / 3, 1)
  console.log(`soak ${seconds} s: ${r.sent} requests, ${r.errors} errors`)
  console.log(`RSS baseline ${mib(r.baseline.rss)}, first third ${mib(early)}, last third ${mib(late)} (${mib(late - early)}), drained ${mib(r.drained.rss)}`)
  console.log(`handles baseline ${r.baseline.handles}, drained ${r.drained.handles}`)
  if (r.errors > 0 || r.drained.handles > r.baseline.handles + 2) process.exitCode = 1
} finally {
  await stack.close()
}
