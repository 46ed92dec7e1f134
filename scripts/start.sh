#!/usr/bin/env bash
# npm start: the whole system on this machine, demo data included. Ctrl-C stops everything.
source "$(dirname "$0")/lib.sh"
require_node
ensure_dependencies
ensure_stack
ensure_generated_and_built
say "migrating the database"
DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/skolkonto}" node libs/persistence/dist/migrate-cli.js
exec node scripts/run-all.mjs "$@"
