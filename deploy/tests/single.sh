#!/usr/bin/env bash
# Script-level test of `up --single`: the five services in one JVM from the built jars, into a fresh data
# dir; /health UP with every service, one process and one metrics port, one chat turn with the demo model
# over the JSON API, a second `up --single` says it runs and `up` (five processes) refuses beside it,
# `status`/`logs` name it, then `down` leaves nothing running. Own port, data dir and cluster name.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export MAESTRO_DATA_DIR="$(mktemp -d /tmp/maestro-single.XXXXXX)"
export MAESTRO_HTTP_PORT="${SMOKE_PORT:-18080}"
export MAESTRO_CLUSTER_NAME="single-$$-$RANDOM"
export MAESTRO_CLUSTER_PORT="${SMOKE_CLUSTER_PORT:-25701}"
export MAESTRO_DEMO_PORT="${SMOKE_DEMO_PORT:-18089}"
export MAESTRO_PG_URL="${SMOKE_PG_URL:-postgresql://postgres@127.0.0.1:5432/maestro_smoke}"
export MAESTRO_REDIS_URL="${MAESTRO_TEST_REDIS_URL:-redis://127.0.0.1:6379/7}"
export MAESTRO_ADMIN_PASSWORD="single-admin-password"
export MAESTRO_METRICS_PORT="${SMOKE_METRICS_PORT:-$(( MAESTRO_HTTP_PORT + 321 ))}"
URL="http://127.0.0.1:$MAESTRO_HTTP_PORT"
RUN="$MAESTRO_DATA_DIR/run"
fail() { echo "single: FAILED: $*" >&2; "$ROOT/deploy/maestro" logs >&2 || true; "$ROOT/deploy/maestro" down || true; exit 1; }
cleanup() { "$ROOT/deploy/maestro" down >/dev/null 2>&1 || true; rm -rf "$MAESTRO_DATA_DIR"; }
trap cleanup EXIT

# a fresh data dir means a fresh master key: rows of an earlier run could not be decrypted
if command -v psql >/dev/null 2>&1 && psql "${MAESTRO_PG_URL%/*}/postgres" -qc "SELECT 1" >/dev/null 2>&1; then
  psql "${MAESTRO_PG_URL%/*}/postgres" -qc "DROP DATABASE IF EXISTS \"${MAESTRO_PG_URL##*/}\" WITH (FORCE)" >/dev/null 2>&1 || true
fi
t0=$(date +%s%N)
"$ROOT/deploy/maestro" up --demo --single || fail "up --demo --single"
echo "single: up took $(( ($(date +%s%N)-t0)/1000000 )) ms"
h="$(curl -sf "$URL/health")" || fail "/health not answering"
for s in auth provider tool session gateway; do [[ "$h" == *"\"$s\":\"UP\""* ]] || fail "$s not UP in one process: $h"; done
[ -f "$RUN/single.pid" ] || fail "no single.pid"
for s in auth provider tool session gateway; do [ -f "$RUN/$s.pid" ] && fail "a $s process beside the single one"; done
pid="$(cat "$RUN/single.pid")"
echo "single: one process, pid $pid, rss $(( $(ps -o rss= -p "$pid" | tr -d ' ') / 1024 )) MiB"
# outputs captured whole first: under pipefail, grep -q's early exit would fail the writer with SIGPIPE
out="$("$ROOT/deploy/maestro" up --single 2>&1)"; [[ "$out" == *"already running"* ]] || fail "a second up --single did not say it runs: $out"
if "$ROOT/deploy/maestro" up >/dev/null 2>&1; then fail "up (five processes) started beside the single process"; fi
out="$("$ROOT/deploy/maestro" status)"; echo "$out"
grep -qE "single +running  pid $pid " <<<"$out" || fail "status does not show the single process"
out="$("$ROOT/deploy/maestro" logs single)"; [[ "$out" == *"GatewayVerticle deployed"* ]] || fail "logs single does not show the start"
curl -sf "http://127.0.0.1:$MAESTRO_METRICS_PORT/metrics" | grep -c '^jvm_memory_used_bytes{.*service="single"' >/dev/null \
  || fail "no metrics on port $MAESTRO_METRICS_PORT"

# one chat turn with the demo model, streamed through the one JVM and stored
j() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
TOKEN="$(curl -sf -H 'Content-Type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"$MAESTRO_ADMIN_PASSWORD\",\"name\":\"single\"}" "$URL/api/v1/auth/token" | j 'd["token"]')"
H=(-H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json')
CRED="$(curl -sf "${H[@]}" "$URL/api/v1/credentials" | j '[c["id"] for c in d["items"] if c["label"]=="demo"][0]')"
SID="$(curl -sf "${H[@]}" -d "{\"title\":\"single\",\"provider\":\"openai-compatible\",\"model\":\"demo-model\",\"credentialId\":\"$CRED\"}" \
  "$URL/api/v1/sessions" | j 'd["id"]')"
curl -sf "${H[@]}" -d '{"text":"hello from one process"}' "$URL/api/v1/sessions/$SID/messages" >/dev/null || fail "send"
answer=""
for _ in $(seq 1 60); do
  answer="$(curl -sf "${H[@]}" "$URL/api/v1/sessions/$SID" | j '" ".join(p.get("text","") for m in d["messages"] if m["role"]=="assistant" and m["status"]=="complete" for p in m["content"] if p["type"]=="text")')"
  [[ "$answer" == *"Echo: hello from one process"* ]] && break
  sleep 0.5
done
[[ "$answer" == *"Echo: hello from one process"* ]] || fail "no answer stored (got '$answer')"
echo "single: chat turn OK ($answer)"

"$ROOT/deploy/maestro" down || fail "down"
[ -f "$RUN/single.pid" ] && fail "single.pid left behind"
# (a zombie has exited: only its exit status waits for this machine's init to collect it)
kill -0 "$pid" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ] \
  && fail "the single process (pid $pid) still runs after down"
trap - EXIT
rm -rf "$MAESTRO_DATA_DIR"
echo "single: OK in $(( ($(date +%s%N)-t0)/1000000 )) ms"
