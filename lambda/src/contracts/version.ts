// The product version, from package.json (inlined by esbuild in the Lambda bundle).
import pkg from '../../../package.json' with { type: 'json' }

export const PROXY_VERSION: string = pkg.version
