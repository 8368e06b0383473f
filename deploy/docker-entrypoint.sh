#!/bin/sh
# Runs one Maestro service: gateway | session | provider | tool | auth
# or, once before them, `cluster-key`: creates the cluster key pair in $MAESTRO_DATA_DIR/cluster if it
# is absent (run as root on the shared volume, handed to the maestro user; see deploy/compose.yaml).
set -e
svc="${1:?usage: <gateway|session|provider|tool|auth|cluster-key>}"
if [ "$svc" = cluster-key ]; then
  dir="${MAESTRO_DATA_DIR:-/var/lib/maestro}/cluster"
  mkdir -p "$dir"
  if [ ! -f "$dir/cluster.p12" ]; then
    umask 077
    MAESTRO_KS_PW="$(head -c 24 /dev/urandom | base64 | tr -d '/+=\n')"; export MAESTRO_KS_PW
    # one PBE/MAC iteration: the password is random (see create_cluster_key in deploy/maestro)
    keytool -J-Dkeystore.pkcs12.keyPbeIterationCount=1 -J-Dkeystore.pkcs12.certPbeIterationCount=1 \
      -J-Dkeystore.pkcs12.macIterationCount=1 -genkeypair -noprompt -alias maestro-cluster -keyalg EC -groupname secp256r1 -sigalg SHA256withECDSA \
      -dname "CN=maestro-cluster" -validity 36500 -storetype PKCS12 -keystore "$dir/cluster.p12.tmp" \
      -storepass:env MAESTRO_KS_PW -keypass:env MAESTRO_KS_PW >/dev/null
    printf '%s\n' "$MAESTRO_KS_PW" >"$dir/cluster.password"
    mv "$dir/cluster.p12.tmp" "$dir/cluster.p12"
    echo "maestro: created the cluster key $dir/cluster.p12"
  fi
  chown -R maestro "$dir" 2>/dev/null || true
  chmod 700 "$dir"; chmod 600 "$dir/cluster.p12" "$dir/cluster.password"
  exit 0
fi
# HZ_FLAGS: the same module access as deploy/maestro (one copy, in deploy/jvm-flags)
. /opt/maestro/jvm-flags
# shellcheck disable=SC2086
exec java -XX:+UseSerialGC -XX:MaxRAMPercentage=75 $HZ_FLAGS \
  -jar "/opt/maestro/${svc}-service-0.1.0-SNAPSHOT-fat.jar"
