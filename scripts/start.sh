#!/usr/bin/env bash
# npm start: the whole system on this machine, demo data included. Ctrl-C stops everything.
source "$(dirname "$0")/lib.sh"
require_node
ensure_dependencies
ensure_stack
ensure_generated_and_built
exec node scripts/run-all.mjs "$@"
