#!/usr/bin/env bash
# start-radosgw.sh DIR
# Starts a throwaway one-node Ceph (1 mon + 1 memstore OSD, auth none, no mgr) and
# radosgw on 127.0.0.1 only, for the S3 driver's tests. Installs the Debian packages
# if they are missing. Data lives in RAM; everything is under DIR.
#
# Ports (override the base with WALE_S3_TEST_PORT_BASE, default 4640):
#   base+0 mon, base+1..base+6 OSD, base+7 S3 over HTTP, base+8 S3 over HTTPS.
# TLS: a CA and a server certificate for 127.0.0.1/localhost are made in DIR/tls
# (ca.pem is what clients must trust).
# Credentials: access key "walkey", secret "walsecret"; bucket "wal" is created.
# Writes DIR/env (shell assignments: PIDS, ENDPOINT, TLS_ENDPOINT, CA_BUNDLE, ...)
# and prints it. Stop with stop-radosgw.sh DIR.
set -euo pipefail
D=${1:?usage: start-radosgw.sh DIR}
BASE=${WALE_S3_TEST_PORT_BASE:-4640}
AK=walkey; SK=walsecret; BUCKET=wal
MON_PORT=$BASE; OSD_MIN=$((BASE + 1)); OSD_MAX=$((BASE + 6)); S3_PORT=$((BASE + 7)); TLS_PORT=$((BASE + 8))

need=()
for b in radosgw ceph-mon ceph-osd openssl curl; do command -v "$b" >/dev/null 2>&1 || need+=("$b"); done
if [ ${#need[@]} -gt 0 ]; then
  echo "start-radosgw: installing radosgw ceph-mon ceph-osd openssl curl (missing: ${need[*]})" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends radosgw ceph-mon ceph-osd openssl curl >&2
fi

# A previous run in the same DIR may still be up.
[ -f "$D/env" ] && bash "$(dirname "$0")/stop-radosgw.sh" "$D" >/dev/null 2>&1 || true
for p in "$MON_PORT" "$S3_PORT" "$TLS_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    echo "start-radosgw: port $p on 127.0.0.1 is already in use (another radosgw?); set WALE_S3_TEST_PORT_BASE" >&2
    exit 1
  fi
done
rm -rf "$D"; mkdir -p "$D"/{mon.a,osd.0,run,log,tls}

# TLS material: our own CA, and a server certificate it signs.
T=$D/tls
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/ca.key" -out "$T/ca.pem" -days 2 \
  -subj /CN=wal-e-test-ca >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -keyout "$T/server.key" -out "$T/server.csr" -subj /CN=localhost >/dev/null 2>&1
printf 'subjectAltName=DNS:localhost,DNS:*.localhost,IP:127.0.0.1\n' > "$T/ext.cnf"
openssl x509 -req -in "$T/server.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial -days 2 \
  -extfile "$T/ext.cnf" -out "$T/server.pem" >/dev/null 2>&1
cat "$T/server.pem" "$T/server.key" > "$T/rgw.pem"
# A second CA that signed nothing here: trusting only it must make TLS fail.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/other-ca.key" -out "$T/other-ca.pem" -days 2 \
  -subj /CN=unrelated-ca >/dev/null 2>&1

FSID=$(cat /proc/sys/kernel/random/uuid)
cat > "$D/ceph.conf" <<CONF
[global]
fsid = $FSID
mon_host = v2:127.0.0.1:$MON_PORT
public_addr = 127.0.0.1
cluster_addr = 127.0.0.1
ms_bind_msgr1 = false
ms_mon_client_mode = crc
ms_client_mode = crc
ms_bind_port_min = $OSD_MIN
ms_bind_port_max = $OSD_MAX
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
# The monitor's few MiB of data live on disk; the objects are in RAM (memstore). Its default
# refuses to start below 5 % free disk, which a shared build machine reaches.
mon_data_avail_crit = 1
mon_data_avail_warn = 2
mon_max_pg_per_osd = 1000
osd_crush_chooseleaf_type = 0
osd_objectstore = memstore
memstore_device_bytes = ${MEMSTORE_BYTES:-3221225472}
run_dir = $D/run
admin_socket = $D/run/\$cluster-\$name.asok
log_file = $D/log/\$cluster-\$name.log
mon_data = $D/\$name
osd_data = $D/\$name
keyring = $D/keyring
[client.rgw.a]
rgw_frontends = beast endpoint=127.0.0.1:$S3_PORT ssl_endpoint=127.0.0.1:$TLS_PORT ssl_certificate=$T/rgw.pem
rgw_dns_name = localhost
CONF
C=(-c "$D/ceph.conf")
fail() { echo "start-radosgw: $*; logs in $D/log" >&2; tail -n 20 "$D"/log/*.out >&2 || true; exit 1; }

ceph-authtool --create-keyring "$D/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
monmaptool --create --addv a "[v2:127.0.0.1:$MON_PORT]" --fsid "$FSID" "$D/monmap" >/dev/null
ceph-mon "${C[@]}" -i a --mkfs --monmap "$D/monmap" --keyring "$D/keyring"
nohup ceph-mon "${C[@]}" -i a -f >"$D/log/mon.out" 2>&1 &
MON=$!
echo "PIDS=\"$MON\"" > "$D/env"
ok=0
for _ in $(seq 1 60); do timeout 5 ceph "${C[@]}" mon stat >/dev/null 2>&1 && { ok=1; break; }; sleep 0.5; done
[ $ok = 1 ] || fail "the monitor did not come up"
OSD_ID=$(timeout 30 ceph "${C[@]}" osd create)
ceph-osd "${C[@]}" -i "$OSD_ID" --mkfs >"$D/log/osd-mkfs.out" 2>&1
nohup ceph-osd "${C[@]}" -i "$OSD_ID" -f >"$D/log/osd.out" 2>&1 &
OSD=$!
echo "PIDS=\"$OSD $MON\"" > "$D/env"
ok=0
for _ in $(seq 1 120); do timeout 5 ceph "${C[@]}" osd stat 2>/dev/null | grep -q ' 1 up' && { ok=1; break; }; sleep 0.5; done
[ $ok = 1 ] || fail "the OSD did not come up"
nohup radosgw "${C[@]}" -n client.rgw.a -f >"$D/log/rgw.out" 2>&1 &
RGW=$!
echo "PIDS=\"$RGW $OSD $MON\"" > "$D/env"
ok=0
for _ in $(seq 1 180); do curl -s -o /dev/null "http://127.0.0.1:$S3_PORT/" && { ok=1; break; }; sleep 0.5; done
[ $ok = 1 ] || fail "radosgw did not answer on port $S3_PORT"
timeout 60 radosgw-admin "${C[@]}" user create --uid=test --display-name=test --access-key="$AK" --secret-key="$SK" >/dev/null
# Create the bucket with curl's SigV4 (canonical path, explicit payload hash: see docs/s3.md).
EMPTY=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
code=$(curl -s -o "$D/log/create-bucket.out" -w '%{http_code}' --aws-sigv4 "aws:amz:us-east-1:s3" --user "$AK:$SK" \
  -H "x-amz-content-sha256: $EMPTY" -X PUT "http://127.0.0.1:$S3_PORT/$BUCKET")
[ "$code" = 200 ] || fail "creating bucket $BUCKET answered HTTP $code"

cat > "$D/env" <<ENV
PIDS="$RGW $OSD $MON"
ENDPOINT=http+path://127.0.0.1:$S3_PORT
VHOST_ENDPOINT=http+virtualhost://localhost:$S3_PORT
TLS_ENDPOINT=https+path://127.0.0.1:$TLS_PORT
CA_BUNDLE=$T/ca.pem
OTHER_CA_BUNDLE=$T/other-ca.pem
ACCESS_KEY=$AK
SECRET_KEY=$SK
BUCKET=$BUCKET
CEPH_CONF=$D/ceph.conf
ENV
cat "$D/env"
