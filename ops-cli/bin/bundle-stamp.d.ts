// Types of bundle-stamp.js (plain JavaScript so ops-cli/bin/run.js needs no loader).
export declare const CLI_DIST: string
export declare const CURRENT_FILE: string
export declare const STAMP_VERSION: number
export type FileStamp = [mtimeNs: string, size: number]
export declare function fileStamp(root: string, path: string): FileStamp | null
export declare function currentBundle(root: string, distDir?: string): { dir: string } | { stale: string }
