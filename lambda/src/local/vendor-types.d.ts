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
    /** Its object store; `context.store` is what request handlers use. */
    store: unknown
    context: { store: unknown }
  }
}

declare module 's3rver/lib/stores/filesystem.js' {
  /** s3rver's on-disk store (3.7.1); only what AtomicFilesystemStore uses. */
  export default class FilesystemStore {
    constructor(rootDirectory: string)
    rootDirectory: string
    getResourcePath(bucket: string, key?: string, resource?: string): string
    putObject(object: unknown): Promise<{ size: number; md5: string }>
    putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5?: string): Promise<void>
  }
}

declare module 's3rver/lib/models/object.js' {
  export default class S3Object {
    static ALLOWED_METADATA: readonly string[]
  }
}
