#!/usr/bin/env bash
# Script-level test of the launcher: `up --demo` from the built jars into a fresh data dir, check
# /health and one chat turn over the JSON API, then `down` and check nothing is left running.
# Uses its own port, data dir and cluster name so a developer's running Maestro is not touched.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export MAESTRO_DATA_DIR="$(mktemp -d /tmp/maestro-smoke.XXXXXX)"
export MAESTRO_HTTP_PORT="${SMOKE_PORT:-18080}"
export MAESTRO_CLUSTER_NAME="smoke-$$-$RANDOM"
export MAESTRO_CLUSTER_PORT="${SMOKE_CLUSTER_PORT:-25701}"
export MAESTRO_DEMO_PORT="${SMOKE_DEMO_PORT:-18089}"
export MAESTRO_PG_URL="${SMOKE_PG_URL:-postgresql://postgres@127.0.0.1:5432/maestro_smoke}"
export MAESTRO_REDIS_URL="${MAESTRO_TEST_REDIS_URL:-redis://127.0.0.1:6379/7}"
export MAESTRO_ADMIN_PASSWORD="smoke-admin-password"
# metrics ports of their own too (the five follow this one), derived from the smoke port so parallel runs differ
export MAESTRO_METRICS_PORT="${SMOKE_METRICS_PORT:-$(( MAESTRO_HTTP_PORT + 321 ))}"
URL="http://127.0.0.1:$MAESTRO_HTTP_PORT"
fail() { echo "smoke: FAILED: $*" >&2; "$ROOT/deploy/maestro" logs >&2 || true; "$ROOT/deploy/maestro" down || true; exit 1; }
cleanup() { "$ROOT/deploy/maestro" down >/dev/null 2>&1 || true; }
trap cleanup EXIT

# A fresh data dir means a fresh master key: rows left by an earlier run could not be decrypted.
if command -v psql >/dev/null 2>&1 && psql "${MAESTRO_PG_URL%/*}/postgres" -qc "SELECT 1" >/dev/null 2>&1; then
  db="${MAESTRO_PG_URL##*/}"
  psql "${MAESTRO_PG_URL%/*}/postgres" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
fi
echo "smoke: up --demo (data dir $MAESTRO_DATA_DIR, port $MAESTRO_HTTP_PORT)"
t0=$(date +%s%N)
"$ROOT/deploy/maestro" up --demo || fail "up"
t1=$(date +%s%N)
echo "smoke: up took $(( (t1-t0)/1000000 )) ms"
curl -sf "$URL/health" | grep -q '"status":"UP"' || fail "/health not UP"
"$ROOT/deploy/maestro" up | true
"$ROOT/deploy/maestro" up 2>&1 | grep -q "already running" || fail "second up did not say it is already running"
"$ROOT/deploy/maestro" status
# the closed cluster: up created the cluster key (0600), and no service listens beyond loopback
ks="$MAESTRO_DATA_DIR/cluster/cluster.p12"
[ "$(stat -c %a "$ks" 2>/dev/null)" = 600 ] || fail "cluster key $ks missing or not mode 0600"
if command -v ss >/dev/null 2>&1; then
  for s in auth provider tool session gateway; do
    wide="$(ss -ltnpH | grep "pid=$(cat "$MAESTRO_DATA_DIR/run/$s.pid")," | awk '{print $4}' \
      | grep -vE '^(127\.|\[::ffff:127\.|\[::1\]:)' || true)"
    [ -z "$wide" ] || fail "$s-service listens beyond loopback: $wide"
  done
  echo "smoke: every listener is on loopback"
fi
for s in auth provider tool session gateway; do
  rss=$(ps -o rss= -p "$(cat "$MAESTRO_DATA_DIR/run/$s.pid")" | tr -d ' ')
  echo "smoke: $s-service rss $((rss/1024)) MiB"
done
# each service's Prometheus metrics on its own port (gateway, session, provider, tool, auth in that order)
i=0
for s in gateway session provider tool auth; do
  # grep reads the whole page (not -q): under pipefail, -q's early exit fails curl with SIGPIPE on a large page
  curl -sf "http://127.0.0.1:$(( MAESTRO_METRICS_PORT + i ))/metrics" | grep -c "^jvm_memory_used_bytes{.*service=\"$s\"" >/dev/null \
    || fail "$s-service serves no metrics on port $(( MAESTRO_METRICS_PORT + i ))"
  i=$(( i + 1 ))
done
echo "smoke: every service serves /metrics (ports $MAESTRO_METRICS_PORT-$(( MAESTRO_METRICS_PORT + 4 )))"

# end-to-end clients against the real system: JSON API, browser (Playwright), terminal (tmux)
for t in chat.sh browser.sh tui.sh; do
  if [ -x "$ROOT/deploy/tests/$t" ]; then
    echo "smoke: $t"
    "$ROOT/deploy/tests/$t" "$URL" || fail "$t"
  fi
done

# the pids as `up` wrote them, so the check below looks at the very processes that ran
pids=()
for s in auth provider tool session gateway fake-upstream; do
  [ -f "$MAESTRO_DATA_DIR/run/$s.pid" ] && pids+=("$s:$(cat "$MAESTRO_DATA_DIR/run/$s.pid")")
done
[ "${#pids[@]}" -ge 5 ] || fail "expected a pid file per service, found ${#pids[@]}"
"$ROOT/deploy/maestro" down || fail "down"
for s in auth provider tool session gateway fake-upstream; do
  [ -f "$MAESTRO_DATA_DIR/run/$s.pid" ] && fail "$s pid file left behind"
done
for entry in "${pids[@]}"; do
  # (a zombie has exited: only its exit status waits for this machine's init to collect it)
  kill -0 "${entry#*:}" 2>/dev/null && [ "$(awk '{print $3}' "/proc/${entry#*:}/stat" 2>/dev/null)" != Z ] \
    && fail "${entry%%:*} (pid ${entry#*:}) still running after down"
done
trap - EXIT
# (a failed run keeps its data dir, logs included, for a look)
rm -rf "$MAESTRO_DATA_DIR"
echo "smoke: OK"
