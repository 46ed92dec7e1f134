#!/usr/bin/env bash
# npm start: the whole system on this machine, demo data included. Ctrl-C stops everything.
source "$(dirname "$0")/lib.sh"
require_node
ensure_dependencies
ensure_stack
ensure_generated_and_built
say "migrating the database"
DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/skolkonto}" node libs/persistence/dist/migrate-cli.js
# The demo's first console admin: created once with a generated password kept (mode 600) in
# .stack/demo-admin.txt, which only this checkout's owner can read. There is no default password.
if [ ! -s .stack/demo-admin.txt ]; then
  say "creating the ops console's first admin"
  created="$(DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/skolkonto}" node apps/ops-console/dist/cli.js create-admin admin </dev/null 2>&1)" || {
    echo "$created"; say "could not create the admin (if one exists, create another: npm run console -- create-admin <name>)"; }
  password="$(printf '%s\n' "$created" | sed -n 's/^password (shown once, store it now): //p')"
  if [ -n "$password" ]; then
    (umask 077; printf 'username: admin\npassword: %s\n' "$password" > .stack/demo-admin.txt)
  fi
fi
exec node scripts/run-all.mjs "$@"
