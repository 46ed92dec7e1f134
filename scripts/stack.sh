#!/usr/bin/env bash
# The real local stack skolkonto runs and tests against: NATS JetStream, PostgreSQL and a Samba 4
# AD DC with LDAPS. `up` is idempotent: it reuses what already answers, installs what is missing
# (Debian packages), starts the rest with its state under .stack/, and writes the connection
# settings to .stack/env. Env vars that are already set win over the defaults below.
#
#   bash scripts/stack.sh up       # or: npm run stack -- up
#   bash scripts/stack.sh status   # exit code 1 when a service is down
#   bash scripts/stack.sh down     # stops only what this script started
#   bash scripts/stack.sh reset-ad # fresh copy of the provisioned domain (drops all AD data)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STACK_DIR=${STACK_DIR:-$ROOT/.stack}
AD_DIR=$STACK_DIR/ad
AD_TEMPLATE=$STACK_DIR/ad-template
NATS_DIR=$STACK_DIR/nats
ENV_FILE=$STACK_DIR/env

DEFAULT_NATS_URL=nats://127.0.0.1:4222
DEFAULT_DATABASE_ADMIN_URL=postgresql://postgres@127.0.0.1:5432/postgres
DEFAULT_LDAP_URL=ldaps://127.0.0.1:636
APP_DATABASE=${APP_DATABASE:-skolkonto}

NATS_URL=${NATS_URL:-$DEFAULT_NATS_URL}
DATABASE_ADMIN_URL=${DATABASE_ADMIN_URL:-$DEFAULT_DATABASE_ADMIN_URL}
LDAP_URL=${LDAP_URL:-$DEFAULT_LDAP_URL}
LDAP_BASE_DN=${LDAP_BASE_DN:-DC=skola,DC=test}
AD_REALM=${AD_REALM:-SKOLA.TEST}
AD_DOMAIN=SKOLA
# AD is "ours" (Samba under .stack/ad) unless the caller points LDAP_URL elsewhere.
AD_MANAGED=yes
[[ $LDAP_URL == "$DEFAULT_LDAP_URL" ]] || AD_MANAGED=no
if [[ $AD_MANAGED == yes ]]; then
  LDAP_CA_FILE=${LDAP_CA_FILE:-$AD_DIR/tls/ca.pem}
  LDAP_BIND_DN=${LDAP_BIND_DN:-CN=Administrator,CN=Users,$LDAP_BASE_DN}
fi


log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }
is_alive() { [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null; }
pid_from() { [[ -s $1 ]] && tr -dc '0-9' <"$1" || true; }
url_host() { local u=${1#*://}; u=${u#*@}; u=${u%%/*}; echo "${u%%:*}"; }
url_port() { local u=${1#*://}; u=${u#*@}; u=${u%%/*}; [[ $u == *:* ]] && echo "${u##*:}" || echo "$2"; }
is_loopback() { [[ $1 == 127.* || $1 == localhost || $1 == ::1 ]]; }

# ---------------------------------------------------------------------------------------- apt
APT_UPDATED=no
apt_install() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  command -v apt-get >/dev/null || die "missing packages ${missing[*]} and no apt-get to install them"
  log "installing ${missing[*]} (apt-get)"
  # Keep package scripts from starting system services (smbd, nmbd, nats-server, postgresql):
  # this script starts exactly what it needs, with its own configuration.
  local policy=/usr/sbin/policy-rc.d created_policy=no
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' | tee $policy >/dev/null && chmod 755 $policy && created_policy=yes
  fi
  if [[ $APT_UPDATED == no ]]; then
    env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 && APT_UPDATED=yes
  fi
  local rc=0
  env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 || rc=$?
  [[ $created_policy == no ]] || rm -f $policy
  ((rc == 0)) || die "apt-get install ${missing[*]} failed (exit $rc)"
}

# ---------------------------------------------------------------------------------- probes
# Every probe is a tiny Node program using only core modules, so it works before `npm ci`.

# Succeeds when a NATS server at $1 answers a JetStream API request ($JS.API.INFO).
# Exit codes: 0 JetStream ok, 2 NATS without JetStream, 1 not reachable.
probe_nats() {
  node - "$1" <<'JS'
const net = require('node:net');
const url = new URL(process.argv[2].replace(/^nats:/, 'http:'));
const socket = net.connect(Number(url.port || 4222), url.hostname);
const done = (code) => { socket.destroy(); process.exit(code); };
socket.setTimeout(3000, () => done(1));
socket.on('error', () => done(1));
let buffer = '';
let sent = false;
socket.on('data', (chunk) => {
  buffer += chunk.toString('utf8');
  if (!sent && buffer.includes('\r\n')) {
    sent = true;
    const connect = { verbose: false, pedantic: false, headers: true, no_responders: true, lang: 'stack.sh', version: '1' };
    if (url.username) Object.assign(connect, { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) });
    socket.write(`CONNECT ${JSON.stringify(connect)}\r\nSUB _INBOX.stack 1\r\nPUB $JS.API.INFO _INBOX.stack 0\r\n\r\nPING\r\n`);
  }
  if (/^-ERR/m.test(buffer)) done(1);
  if (/^HMSG _INBOX\.stack/m.test(buffer)) done(2); // 503 no responders: JetStream is off
  const match = /^MSG _INBOX\.stack 1 (\d+)\r\n/m.exec(buffer);
  if (match) {
    const start = match.index + match[0].length;
    const body = buffer.slice(start, start + Number(match[1]));
    if (body.length < Number(match[1])) return;
    try { done(JSON.parse(body).error ? 2 : 0); } catch { done(1); }
  }
});
JS
}

# Succeeds when an LDAPS server at $1 presents a certificate that verifies against CA file $2
# and, given $3/$4, accepts a simple bind with them.
probe_ldaps() {
  node - "$@" <<'JS'
const tls = require('node:tls');
const fs = require('node:fs');
const [urlText, caFile, bindDn, password] = process.argv.slice(2);
const url = new URL(urlText);
let ca;
try { ca = fs.readFileSync(caFile); } catch { process.exit(1); }
const tlv = (tag, value) => {
  const n = value.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...len]), value]);
};
const socket = tls.connect({ host: url.hostname, port: Number(url.port || 636), ca, servername: /^[\d.]+$/.test(url.hostname) ? undefined : url.hostname });
const done = (code) => { socket.destroy(); process.exit(code); };
socket.setTimeout(5000, () => done(1));
socket.on('error', () => done(1));
socket.on('secureConnect', () => {
  if (!bindDn) done(0);
  const bind = tlv(0x60, Buffer.concat([tlv(0x02, Buffer.from([3])), tlv(0x04, Buffer.from(bindDn)), tlv(0x80, Buffer.from(password ?? ''))]));
  socket.write(tlv(0x30, Buffer.concat([tlv(0x02, Buffer.from([1])), bind])));
});
let response = Buffer.alloc(0);
socket.on('data', (chunk) => {
  response = Buffer.concat([response, chunk]);
  // BindResponse: 30 LL 02 01 01 61 LL 0a 01 <resultCode>
  const at = response.indexOf(Buffer.from([0x0a, 0x01]));
  if (at >= 0 && response.length > at + 2) done(response[at + 2] === 0 ? 0 : 3);
});
JS
}

probe_pg() {
  command -v pg_isready >/dev/null || return 1
  pg_isready -q -t 3 -d "$1"
}

# ------------------------------------------------------------------------------------- NATS
nats_up() {
  local host port rc=0
  host=$(url_host "$NATS_URL"); port=$(url_port "$NATS_URL" 4222)
  probe_nats "$NATS_URL" || rc=$?
  if ((rc == 0)); then
    if is_alive "$(pid_from "$NATS_DIR/nats.pid")"; then log "nats: running (started by this script), JetStream on"
    else log "nats: reusing the server at $host:$port, JetStream on"; fi
    return
  fi
  ((rc != 2)) || die "nats: the server at $host:$port answers but JetStream is not enabled (start it with -js)"
  is_loopback "$host" || die "nats: $NATS_URL is not reachable and is not local, so it cannot be started here"
  command -v nats-server >/dev/null || apt_install nats-server
  mkdir -p "$NATS_DIR/store"
  log "nats: starting nats-server -js on $host:$port (store $NATS_DIR/store)"
  # Detached, no inherited fds: a caller waiting on our stdout (Jest) must not wait for the server.
  setsid nats-server -a "$host" -p "$port" -js -sd "$NATS_DIR/store" -P "$NATS_DIR/nats.pid" \
    -l "$NATS_DIR/nats.log" </dev/null >/dev/null 2>&1 9>&- &
  local i
  for ((i = 0; i < 100; i++)); do
    probe_nats "$NATS_URL" && { log "nats: up"; return; }
    sleep 0.1
  done
  tail -n 20 "$NATS_DIR/nats.log" >&2 || true
  die "nats: nats-server did not answer on $host:$port within 10 s (log: $NATS_DIR/nats.log)"
}

nats_down() {
  local pid; pid=$(pid_from "$NATS_DIR/nats.pid")
  if is_alive "$pid" && grep -q nats-server "/proc/$pid/cmdline" 2>/dev/null; then
    log "nats: stopping pid $pid"
    kill "$pid"; wait_gone "$pid" nats-server
  fi
  rm -f "$NATS_DIR/nats.pid"
}

# -------------------------------------------------------------------------------- PostgreSQL
pg_cluster_for_port() { pg_lsclusters -h 2>/dev/null | awk -v p="$1" '$3 == p { print $1, $2; exit }'; }

pg_up() {
  local host port
  host=$(url_host "$DATABASE_ADMIN_URL"); port=$(url_port "$DATABASE_ADMIN_URL" 5432)
  command -v pg_isready >/dev/null || apt_install postgresql-client
  if probe_pg "$DATABASE_ADMIN_URL"; then
    log "postgres: reusing the server at $host:$port"
  else
    is_loopback "$host" || die "postgres: $DATABASE_ADMIN_URL is not reachable and is not local, so it cannot be started here"
    if ! command -v pg_ctlcluster >/dev/null || [[ -z $(pg_lsclusters -h 2>/dev/null) ]]; then
      apt_install postgresql
    fi
    local cluster; cluster=$(pg_cluster_for_port "$port")
    if [[ -z $cluster ]]; then
      local version; version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
      log "postgres: creating cluster $version/skolkonto on port $port"
      pg_createcluster "$version" skolkonto --port="$port" >&2
      cluster="$version skolkonto"
    fi
    # shellcheck disable=SC2086
    set -- $cluster
    pg_trust_loopback "$1" "$2"
    log "postgres: starting cluster $1/$2"
    pg_ctlcluster --skip-systemctl-redirect "$1" "$2" start 9>&- </dev/null >/dev/null
    echo "$1 $2" >"$STACK_DIR/postgres.started"
    local i
    for ((i = 0; i < 100; i++)); do probe_pg "$DATABASE_ADMIN_URL" && break; sleep 0.1; done
    probe_pg "$DATABASE_ADMIN_URL" || die "postgres: cluster $1/$2 did not accept connections on $host:$port"
  fi
  if ! psql "$DATABASE_ADMIN_URL" -tAqc 'select 1' >/dev/null 2>&1 && is_loopback "$host"; then
    local local_cluster; local_cluster=$(pg_cluster_for_port "$port")
    if [[ -n $local_cluster ]]; then
      # shellcheck disable=SC2086
      set -- $local_cluster
      pg_trust_loopback "$1" "$2"
      pg_ctlcluster --skip-systemctl-redirect "$1" "$2" reload 9>&- </dev/null >/dev/null || true
    fi
  fi
  psql "$DATABASE_ADMIN_URL" -tAqc 'select 1' >/dev/null 2>&1 \
    || die "postgres: cannot connect as $DATABASE_ADMIN_URL (tests need password-less access for that user on loopback, e.g. 'host all postgres 127.0.0.1/32 trust' in pg_hba.conf)"
  if [[ -z $(psql "$DATABASE_ADMIN_URL" -tAqc "select 1 from pg_database where datname = '$APP_DATABASE'") ]]; then
    log "postgres: creating database $APP_DATABASE"
    psql "$DATABASE_ADMIN_URL" -qc "create database \"$APP_DATABASE\"" >/dev/null
  fi
}

# A freshly installed Debian cluster asks for passwords over TCP; the stack's contract is
# password-less access for postgres on loopback (a development and CI machine, not a server).
# Applied only to a local cluster this script starts, or one that refuses that access.
pg_trust_loopback() {
  local hba=/etc/postgresql/$1/$2/pg_hba.conf
  [[ -f $hba ]] || return 0
  grep -q 'skolkonto stack' "$hba" && return 0
  grep -Eq '^[[:space:]]*host[[:space:]]+all[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$hba" && return 0
  log "postgres: allowing password-less loopback connections in $hba"
  sed -i '1i host all all 127.0.0.1/32 trust # skolkonto stack\nhost all all ::1/128 trust # skolkonto stack' "$hba"
}

pg_down() {
  [[ -f $STACK_DIR/postgres.started ]] || return 0
  # shellcheck disable=SC2046
  set -- $(cat "$STACK_DIR/postgres.started")
  log "postgres: stopping cluster $1/$2 (started by this script)"
  pg_ctlcluster --skip-systemctl-redirect "$1" "$2" stop || true
  rm -f "$STACK_DIR/postgres.started"
}

# ----------------------------------------------------------------------------------- Samba AD
AD_PACKAGES=(samba samba-dsdb-modules samba-vfs-modules samba-ad-provision ldb-tools openssl)

# smb.conf of a DC whose whole state lives in $1: LDAP only, loopback only, LDAPS with our certs.
write_smb_conf() {
  local dir=$1
  mkdir -p "$dir"/{etc,private,lock,state,cache,run,bind-dns,log,tls}
  cat >"$dir/etc/smb.conf" <<EOF
# Written by scripts/stack.sh; regenerated on every 'up'.
[global]
	netbios name = DC1
	realm = $AD_REALM
	workgroup = $AD_DOMAIN
	server role = active directory domain controller
	server services = ldap
	interfaces = lo
	bind interfaces only = yes
	private dir = $dir/private
	lock directory = $dir/lock
	state directory = $dir/state
	cache directory = $dir/cache
	pid directory = $dir/run
	ncalrpc dir = $dir/run/ncalrpc
	binddns dir = $dir/bind-dns
	log file = $dir/log/samba.log
	log level = 1
	idmap_ldb:use rfc2307 = yes
	ldap server require strong auth = yes
	tls enabled = yes
	tls keyfile = $dir/tls/server.key
	tls certfile = $dir/tls/server.pem
	tls cafile = $dir/tls/ca.pem

[sysvol]
	path = $dir/state/sysvol
	read only = No

[netlogon]
	path = $dir/state/sysvol/${AD_REALM,,}/scripts
	read only = No
EOF
}

ad_provision_template() {
  [[ -f $AD_TEMPLATE/.provisioned ]] && return 0
  local tmp=$AD_TEMPLATE.partial
  rm -rf "$tmp" "$AD_TEMPLATE"
  mkdir -p "$tmp"
  # Random, printable, and always complex enough for AD's password policy.
  printf 'Sk%s-9a\n' "$(openssl rand -hex 12)" >"$tmp/admin-password"
  chmod 600 "$tmp/admin-password"
  write_smb_conf "$tmp"
  log "ad: provisioning $AD_REALM (once; kept as a template in $AD_TEMPLATE)"
  samba-tool domain provision -s "$tmp/etc/smb.conf" --targetdir="$tmp" --realm="$AD_REALM" \
    --domain="$AD_DOMAIN" --server-role=dc --dns-backend=NONE --adminpass="$(cat "$tmp/admin-password")" \
    --host-name=dc1 --host-ip=127.0.0.1 --use-rfc2307 >"$tmp/log/provision.log" 2>&1 \
    || { tail -n 30 "$tmp/log/provision.log" >&2; die "ad: samba-tool domain provision failed (log: $tmp/log/provision.log)"; }
  touch "$tmp/.provisioned"
  mv "$tmp" "$AD_TEMPLATE"
  write_smb_conf "$AD_TEMPLATE" # only so the template's own smb.conf names its own paths
}

# A CA and a server certificate for localhost/127.0.0.1, so clients verify instead of trusting blindly.
ad_certificates() {
  local tls=$AD_DIR/tls
  if [[ -f $tls/server.pem && -f $tls/server.key && -f $tls/ca.pem ]] \
    && openssl x509 -checkend 86400 -noout -in "$tls/server.pem" >/dev/null; then
    return 0
  fi
  log "ad: generating a CA and an LDAPS server certificate in $tls"
  mkdir -p "$tls"
  (
    cd "$tls"
    umask 077
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=skolkonto test CA" \
      -keyout ca.key -out ca.pem -addext basicConstraints=critical,CA:TRUE \
      -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=dc1.${AD_REALM,,}" -keyout server.key -out server.csr 2>/dev/null
    printf 'subjectAltName=DNS:localhost,DNS:dc1.%s,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n' \
      "${AD_REALM,,}" >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 825 \
      -extfile server.ext -out server.pem 2>/dev/null
    rm -f server.csr server.ext
    chmod 600 server.key ca.key
    chmod 644 ca.pem server.pem
  )
}

ad_pid() { pid_from "$AD_DIR/run/samba.pid"; }
ad_running() { local pid; pid=$(ad_pid); is_alive "$pid" && grep -q samba "/proc/$pid/cmdline" 2>/dev/null; }
ad_password() { [[ -n ${LDAP_BIND_PASSWORD:-} ]] && echo "$LDAP_BIND_PASSWORD" || cat "$AD_DIR/admin-password"; }
ad_probe() { probe_ldaps "$LDAP_URL" "$LDAP_CA_FILE" "$LDAP_BIND_DN" "$(ad_password)"; }

ad_up() {
  if [[ $AD_MANAGED == no ]]; then
    [[ -n ${LDAP_CA_FILE:-} && -n ${LDAP_BIND_DN:-} && -n ${LDAP_BIND_PASSWORD:-} ]] \
      || die "ad: LDAP_URL=$LDAP_URL is external, so LDAP_CA_FILE, LDAP_BIND_DN and LDAP_BIND_PASSWORD must be set too"
    probe_ldaps "$LDAP_URL" "$LDAP_CA_FILE" "$LDAP_BIND_DN" "$LDAP_BIND_PASSWORD" \
      || die "ad: $LDAP_URL does not answer an LDAPS bind verified with $LDAP_CA_FILE"
    log "ad: reusing $LDAP_URL"
    return
  fi
  if ad_running && ad_probe; then log "ad: running (pid $(ad_pid)), LDAPS verified"; return; fi
  ad_running && { log "ad: running but LDAPS bind fails; restarting"; ad_down; }
  # A directory this script did not start already answers with the credentials given in the env.
  if [[ -n ${LDAP_BIND_PASSWORD:-} ]] && ad_probe; then log "ad: reusing the directory at $LDAP_URL, LDAPS verified"; return; fi
  local port; port=$(url_port "$LDAP_URL" 636)
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "ad: port $port is taken by something this script did not start, and an LDAPS bind with our settings fails (set LDAP_CA_FILE/LDAP_BIND_DN/LDAP_BIND_PASSWORD to reuse it, or stop it)"
  fi

  local had_samba=yes
  command -v samba >/dev/null || had_samba=no
  apt_install "${AD_PACKAGES[@]}"
  [[ $had_samba == yes ]] || stop_distribution_samba
  ad_provision_template
  if [[ ! -f $AD_DIR/.provisioned ]]; then
    log "ad: creating $AD_DIR from the template"
    rm -rf "$AD_DIR"
    cp -a "$AD_TEMPLATE" "$AD_DIR"
  fi
  write_smb_conf "$AD_DIR"
  ad_certificates
  rm -f "$AD_DIR/run/samba.pid"
  log "ad: starting samba (LDAP only, loopback, LDAPS on 636)"
  setsid samba -D -s "$AD_DIR/etc/smb.conf" -M single </dev/null >>"$AD_DIR/log/start.log" 2>&1 9>&-
  local i
  for ((i = 0; i < 300; i++)); do
    ad_probe && { log "ad: up (pid $(ad_pid)), LDAPS verified with $LDAP_CA_FILE"; return; }
    sleep 0.1
  done
  tail -n 30 "$AD_DIR/log/samba.log" >&2 || true
  die "ad: samba did not answer an LDAPS bind within 30 s (log: $AD_DIR/log/samba.log)"
}

# On a systemd machine the samba package starts smbd/nmbd; our DC needs neither.
stop_distribution_samba() {
  if command -v systemctl >/dev/null && systemctl is-system-running >/dev/null 2>&1; then
    systemctl disable --now smbd nmbd samba-ad-dc >/dev/null 2>&1 || true
  fi
  local f pid
  for f in /run/samba/smbd.pid /run/samba/nmbd.pid; do
    pid=$(pid_from "$f")
    if is_alive "$pid"; then log "ad: stopping $(basename "$f" .pid) started by the package install"; kill "$pid" || true; fi
  done
}

ad_down() {
  if ad_running; then
    local pid; pid=$(ad_pid)
    log "ad: stopping samba pid $pid"
    kill "$pid"; wait_gone "$pid" samba
  fi
  rm -f "$AD_DIR/run/samba.pid"
}

wait_gone() {
  local i
  for ((i = 0; i < 100; i++)); do is_alive "$1" || return 0; sleep 0.1; done
  log "$2: pid $1 ignored SIGTERM for 10 s; sending SIGKILL"
  kill -9 "$1" 2>/dev/null || true
}

# ------------------------------------------------------------------------------------ output
write_env() {
  local tmp=$ENV_FILE.tmp
  (
    umask 077
    cat >"$tmp" <<EOF
# Written by scripts/stack.sh up; values set in the environment win over these.
NATS_URL=$NATS_URL
DATABASE_ADMIN_URL=$DATABASE_ADMIN_URL
LDAP_URL=$LDAP_URL
LDAP_CA_FILE=$LDAP_CA_FILE
LDAP_BIND_DN=$LDAP_BIND_DN
LDAP_BIND_PASSWORD=$(ad_password)
LDAP_BASE_DN=$LDAP_BASE_DN
AD_REALM=$AD_REALM
EOF
  )
  mv "$tmp" "$ENV_FILE"
  # Run through sudo: the invoking user's tests must be able to read their settings.
  [[ -z ${SUDO_USER:-} ]] || chown "$SUDO_USER" "$ENV_FILE" "$STACK_DIR"
}

print_env() {
  echo "Local stack is up. Connection settings (also in $ENV_FILE):"
  sed -e '/^#/d' -e 's/^\(LDAP_BIND_PASSWORD=\).*/\1(see .stack\/env)/' -e 's/^/  /' "$ENV_FILE"
}

# -------------------------------------------------------------------------------------- main
cmd_up() {
  local started=$SECONDS
  nats_up
  pg_up
  ad_up
  write_env
  print_env
  log "up in $((SECONDS - started)) s"
}

cmd_down() {
  ad_down
  nats_down
  pg_down
}

cmd_status() {
  local failed=0
  # Without root the password file is unreadable; the settings file is the invoking user's.
  if [[ -z ${LDAP_BIND_PASSWORD:-} && ! -r $AD_DIR/admin-password && -r $ENV_FILE ]]; then
    LDAP_BIND_PASSWORD=$(sed -n 's/^LDAP_BIND_PASSWORD=//p' "$ENV_FILE")
  fi
  if probe_nats "$NATS_URL"; then echo "nats      up    $NATS_URL (JetStream)"; else echo "nats      DOWN  $NATS_URL"; failed=1; fi
  if probe_pg "$DATABASE_ADMIN_URL"; then echo "postgres  up    ${DATABASE_ADMIN_URL}"; else echo "postgres  DOWN  $DATABASE_ADMIN_URL"; failed=1; fi
  if [[ -n ${LDAP_CA_FILE:-} && -n ${LDAP_BIND_DN:-} ]] && { [[ -n ${LDAP_BIND_PASSWORD:-} ]] || [[ -r $AD_DIR/admin-password ]]; } && ad_probe; then
    echo "ad        up    $LDAP_URL (bind as $LDAP_BIND_DN, CA $LDAP_CA_FILE)"
  else
    echo "ad        DOWN  $LDAP_URL"; failed=1
  fi
  return $failed
}

main() {
  local cmd=${1:-}
  case $cmd in
    up | down | reset-ad)
      if [[ $EUID -ne 0 ]]; then
        # Samba's AD DC runs as root, and packages install as root.
        command -v sudo >/dev/null || die "run as root (or install sudo): the Samba AD DC needs root"
        exec sudo --preserve-env bash "$0" "$@"
      fi
      mkdir -p "$STACK_DIR"
      exec 9>"$STACK_DIR/stack.lock"
      flock 9 # one 'up' at a time: parallel test runs call this concurrently
      case $cmd in
        up) cmd_up ;;
        down) cmd_down ;;
        reset-ad) ad_down; rm -rf "$AD_DIR"; cmd_up ;;
      esac
      ;;
    status) cmd_status ;;
    *) echo "usage: $0 up|down|status|reset-ad" >&2; exit 2 ;;
  esac
}

main "$@"
