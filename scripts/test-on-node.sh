#!/usr/bin/env bash
# Runs the built test suite on another Node major, taken from the npm registry's `node` package:
#   bash scripts/test-on-node.sh 24
# `pnpm test` builds, lints and runs the suite on the Node it runs on; this repeats only the suite.
set -euo pipefail
cd "$(dirname "$0")/.."
major="${1:?usage: scripts/test-on-node.sh MAJOR (for example 22 or 24)}"
bin="$(npx -y "node@$major" -p process.execPath)"
# Copied out of npx's cache (under the home directory): the permission tests run it as 'nobody'.
dir="$(mktemp -d "${TMPDIR:-/tmp}/hotfs-node$major.XXXXXX")"
trap 'rm -rf "$dir"' EXIT
cp "$bin" "$dir/node"
chmod 755 "$dir" "$dir/node"
echo "scripts/test-on-node.sh: the suite on Node $("$dir/node" --version)"
# First on PATH too: tests that start `node` by name get this version as well.
PATH="$dir:$PATH" "$dir/node" node_modules/vitest/vitest.mjs run
