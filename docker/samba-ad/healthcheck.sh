#!/usr/bin/env bash
# Healthy when LDAPS answers with a certificate that verifies against the generated CA.
set -euo pipefail
DIR=${SAMBA_DIR:-/var/lib/samba-ad}
openssl s_client -connect 127.0.0.1:636 -CAfile "$DIR/tls/ca.pem" -verify_return_error -brief </dev/null >/dev/null 2>&1
