#!/usr/bin/env bash
# npm test: every unit, integration, system and browser test against the real local stack.
source "$(dirname "$0")/lib.sh"
require_node
ensure_dependencies
ensure_stack
ensure_generated_and_built
say "running the test suites"
export SKOLKONTO_TEST_RESULTS_DIR="$ROOT/.stack/test-results"
rm -rf "$SKOLKONTO_TEST_RESULTS_DIR"
# Nx runs each project's Jest; two at a time suits a 2-core machine. Results against real services
# are never taken from the cache in CI.
extra=()
if [ "${CI:-}" = "true" ]; then extra+=(--skip-nx-cache); fi
status=0
npx nx run-many -t test --outputStyle=stream --parallel=2 "${extra[@]}" "$@" || status=$?
node scripts/test-summary.mjs "$SKOLKONTO_TEST_RESULTS_DIR" || status=$((status == 0 ? 1 : status))
exit "$status"
