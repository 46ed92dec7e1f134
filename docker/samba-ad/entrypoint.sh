#!/usr/bin/env bash
# Provisions the domain on first start (state in $SAMBA_DIR, a volume), generates the LDAPS CA and
# server certificate once, then runs samba in the foreground as PID 1's only child.
# Env: SAMBA_ADMIN_PASSWORD (required on first start; AD complexity rules apply),
#      SAMBA_REALM (SKOLA.TEST), SAMBA_DOMAIN (SKOLA), SAMBA_TLS_NAMES (extra DNS SANs, comma-separated).
set -euo pipefail
DIR=$SAMBA_DIR
realm_lower=${SAMBA_REALM,,}

write_smb_conf() {
  mkdir -p "$DIR"/{etc,private,lock,state,cache,run,bind-dns,log,tls}
  cat >"$DIR/etc/smb.conf" <<CONF
[global]
	netbios name = DC1
	realm = $SAMBA_REALM
	workgroup = $SAMBA_DOMAIN
	server role = active directory domain controller
	server services = ldap
	private dir = $DIR/private
	lock directory = $DIR/lock
	state directory = $DIR/state
	cache directory = $DIR/cache
	pid directory = $DIR/run
	ncalrpc dir = $DIR/run/ncalrpc
	binddns dir = $DIR/bind-dns
	log level = 1
	idmap_ldb:use rfc2307 = yes
	ldap server require strong auth = yes
	# Sysvol ACLs in a user.* xattr: no CAP_SYS_ADMIN needed inside a container.
	acl_xattr:security_acl_name = user.NTACL
	tls enabled = yes
	tls keyfile = $DIR/tls/server.key
	tls certfile = $DIR/tls/server.pem
	tls cafile = $DIR/tls/ca.pem

[sysvol]
	path = $DIR/state/sysvol
	read only = No

[netlogon]
	path = $DIR/state/sysvol/$realm_lower/scripts
	read only = No
CONF
}

provision() {
  [ -n "${SAMBA_ADMIN_PASSWORD:-}" ] || { echo "SAMBA_ADMIN_PASSWORD must be set for the first start" >&2; exit 1; }
  echo "provisioning $SAMBA_REALM into $DIR"
  samba-tool domain provision -s "$DIR/etc/smb.conf" --targetdir="$DIR" --realm="$SAMBA_REALM" \
    --domain="$SAMBA_DOMAIN" --server-role=dc --dns-backend=NONE --adminpass="$SAMBA_ADMIN_PASSWORD" \
    --host-name=dc1 --use-rfc2307 \
    --option="acl_xattr:security_acl_name = user.NTACL"
  touch "$DIR/.provisioned"
}

certificates() {
  [ -f "$DIR/tls/server.pem" ] && return 0
  echo "generating the LDAPS CA and server certificate"
  local sans="DNS:localhost,DNS:dc1.$realm_lower,DNS:samba-ad,IP:127.0.0.1" name
  IFS=',' read -ra extra <<<"${SAMBA_TLS_NAMES:-}"
  for name in "${extra[@]}"; do [ -n "$name" ] && sans+=",DNS:$name"; done
  cd "$DIR/tls"
  umask 077
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=skolkonto test CA" -keyout ca.key -out ca.pem \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
  openssl req -newkey rsa:2048 -nodes -subj "/CN=dc1.$realm_lower" -keyout server.key -out server.csr
  printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n' "$sans" >server.ext
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 825 -extfile server.ext -out server.pem
  rm -f server.csr server.ext
  chmod 600 server.key ca.key
  chmod 644 ca.pem server.pem
  cd /
}

write_smb_conf
[ -f "$DIR/.provisioned" ] || provision
write_smb_conf # provisioning may rewrite it; ours is the one that runs
certificates
rm -f "$DIR/run/samba.pid"
echo "starting samba (LDAP 389 with StartTLS, LDAPS 636)"
exec samba --foreground --no-process-group --debug-stdout -s "$DIR/etc/smb.conf" -M single
