# Shared by start.sh and test.sh: make a fresh clone runnable without any manual step.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { printf '\033[1m[skolkonto]\033[0m %s\n' "$*"; }

require_node() {
  if ! command -v node >/dev/null; then
    say "Node.js 20.19+ is required (https://nodejs.org or your distribution's nodejs package)"; exit 1
  fi
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("Node.js "+process.versions.node+" is too old: 20.19 or newer is required"); process.exit(1) }'
}

ensure_dependencies() {
  # Reinstall when node_modules is missing or older than the lock file.
  if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "installing npm dependencies"
    npm ci --no-audit --no-fund
  fi
}

ensure_stack() {
  say "bringing up the local stack (NATS JetStream, PostgreSQL, Samba AD)"
  bash scripts/stack.sh up
  set -a
  # shellcheck disable=SC1091
  . .stack/env
  set +a
}

ensure_generated_and_built() {
  say "generating the Prisma client"
  node scripts/prisma-generate.mjs >/dev/null
  node scripts/check-workspace-deps.mjs >/dev/null
  say "building libraries and apps"
  npx nx run-many -t build --outputStyle=static --parallel=2 >/tmp/skolkonto-build.log 2>&1 || { tail -50 /tmp/skolkonto-build.log; say "build failed (full log: /tmp/skolkonto-build.log)"; exit 1; }
}
