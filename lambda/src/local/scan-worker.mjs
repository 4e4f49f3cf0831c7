// Worker-thread entry of the local host's secret scanner (worker-scanner.ts). Plain JS so
// that it loads without a build: it registers tsx, then loads the TypeScript worker.
import { register } from 'tsx/esm/api'

register()
await import('./scan-worker-main.ts')
