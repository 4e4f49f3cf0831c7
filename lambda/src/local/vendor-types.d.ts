// Minimal typings for the embedded store servers (the packages ship none).
declare module 'dynalite' {
  import type { Server } from 'node:http'
  interface DynaliteOptions {
    /** LevelDB directory; in memory when absent. */
    path?: string
    createTableMs?: number
    deleteTableMs?: number
    updateTableMs?: number
    maxItemSizeKb?: number
  }
  function dynalite(options?: DynaliteOptions): Server
  export default dynalite
}

declare module 's3rver' {
  import type { AddressInfo } from 'node:net'
  interface S3rverOptions {
    address?: string
    port?: number
    directory: string
    silent?: boolean
    resetOnClose?: boolean
    configureBuckets?: { name: string; configs?: unknown[] }[]
  }
  export default class S3rver {
    constructor(options: S3rverOptions)
    run(): Promise<AddressInfo>
    close(): Promise<void>
  }
}
