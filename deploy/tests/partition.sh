#!/usr/bin/env bash
# Fencing under a real network partition (issue 17), two hosts (`cluster up --hosts 2 --demo`):
# a session is live on host 1's session node; then hosts 1 and 2 are cut off from each other (a
# blackhole route each way, so both still reach PostgreSQL through the bridge: the case fencing is
# for) and both sides believe they own the session. Host 2 takes it over (its send is stored, under a
# newer owner epoch); host 1's copy, still live, is stale: its next send is refused with 421
# STALE_OWNER and nothing of it is stored; no message is stored twice. Then the link heals and
# `cluster down` leaves nothing behind. Not part of `./deploy/maestro test` (a minute or more: the
# cluster start and Hazelcast's failure detection); the chaos harness can call it as a scenario.
# Needs root (or sudo -n) for `ip netns`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export MAESTRO_DATA_DIR="$(mktemp -d /tmp/maestro-partition.XXXXXX)"
export MAESTRO_HOSTS_PREFIX="${CLUSTER_TEST_PREFIX:-mhost-p}"
export MAESTRO_HOSTS_SUBNET="${CLUSTER_TEST_SUBNET:-10.231.2}"
export MAESTRO_HTTP_PORT="${SMOKE_PORT:-18080}"
export MAESTRO_CLUSTER_PORT="${SMOKE_CLUSTER_PORT:-25701}"
export MAESTRO_DEMO_PORT="${SMOKE_DEMO_PORT:-18089}"
export MAESTRO_CLUSTER_NAME="partition-test-$$-$RANDOM"
export MAESTRO_PG_URL="${CLUSTER_TEST_PG_URL:-postgresql://postgres@127.0.0.1:5432/maestro_partition}"
export MAESTRO_REDIS_URL="${MAESTRO_TEST_REDIS_URL:-redis://127.0.0.1:6379/7}"
export MAESTRO_ADMIN_PASSWORD="partition-admin-password"
M="$ROOT/deploy/maestro"
RUN="$MAESTRO_DATA_DIR/hosts/run"
H1="${MAESTRO_HOSTS_SUBNET}.11"; H2="${MAESTRO_HOSTS_SUBNET}.12"
URL1="http://$H1:$MAESTRO_HTTP_PORT"; URL2="http://$H2:$MAESTRO_HTTP_PORT"
NS1="$MAESTRO_HOSTS_PREFIX-1"; NS2="$MAESTRO_HOSTS_PREFIX-2"

if [ "$(id -u)" != 0 ] && ! sudo -n true 2>/dev/null; then
  echo "partition: SKIPPED: network namespaces need root or passwordless sudo" >&2; exit 0
fi
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }
# the partition: each host drops what goes to the other; the bridge address (PostgreSQL, Redis) stays reachable
split() { as_root ip netns exec "$NS1" ip route add blackhole "$H2/32"; as_root ip netns exec "$NS2" ip route add blackhole "$H1/32"; }
heal() { as_root ip netns exec "$NS1" ip route del blackhole "$H2/32" 2>/dev/null || true
  as_root ip netns exec "$NS2" ip route del blackhole "$H1/32" 2>/dev/null || true; }
fail() { echo "partition: FAILED: $*" >&2; for f in "$RUN"/*session.log; do echo "== $f"; tail -n 20 "$f"; done >&2 2>/dev/null || true
  heal; "$M" cluster down >/dev/null 2>&1 || true; exit 1; }
trap 'heal; "$M" cluster down >/dev/null 2>&1 || true' EXIT
j() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
q() { PGOPTIONS="-c search_path=session" psql "$MAESTRO_PG_URL" -tAc "$1" 2>/dev/null || true; }
psql "${MAESTRO_PG_URL%/*}/postgres" -qc "DROP DATABASE IF EXISTS \"${MAESTRO_PG_URL##*/}\" WITH (FORCE)" >/dev/null 2>&1 || true

t0=$(date +%s%N)
"$M" cluster up --hosts 2 --demo || fail "cluster up"
node_of_host() { grep -aoE "joined the cluster as node [0-9a-f-]{36}" "$RUN/h$1-session.log" | tail -1 | awk '{print $NF}' || true; }
N1="$(node_of_host 1)"; N2="$(node_of_host 2)"
[ -n "$N1" ] && [ -n "$N2" ] || fail "could not read the session nodes' ids from their logs"

token() { curl -sf -H 'Content-Type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"$MAESTRO_ADMIN_PASSWORD\",\"name\":\"partition\"}" "$1/api/v1/auth/token" | j 'd["token"]'; }
T1="$(token "$URL1")" || fail "token through host 1"
T2="$(token "$URL2")" || fail "token through host 2"
A1=(-H "Authorization: Bearer $T1" -H 'Content-Type: application/json')
A2=(-H "Authorization: Bearer $T2" -H 'Content-Type: application/json')
CRED="$(curl -sf "${A1[@]}" "$URL1/api/v1/credentials" | j '[c["id"] for c in d["items"] if c["label"]=="demo"][0]')"
# a session live on host 1 (the gateway's calls go round-robin over the session nodes: try a few)
SID=""
for attempt in 1 2 3 4 5 6; do
  sid="$(curl -sf "${A1[@]}" -d "{\"title\":\"partition $attempt\",\"provider\":\"openai-compatible\",\"model\":\"demo-model\",\"credentialId\":\"$CRED\"}" \
    "$URL1/api/v1/sessions" | j 'd["id"]')" || fail "create session through host 1"
  curl -sf "${A1[@]}" -d "{\"text\":\"hello before the split $attempt\"}" "$URL1/api/v1/sessions/$sid/messages" >/dev/null || fail "send through host 1"
  for _ in $(seq 1 60); do [ "$(q "SELECT count(*) FROM message WHERE session_id = '$sid' AND status = 'complete'")" = 2 ] && break; sleep 0.25; done
  owner="$(q "SELECT live_owner FROM session WHERE id = '$sid'")"
  if [ "${owner%%/*}" = "$N1" ]; then SID="$sid"; break; fi
done
[ -n "$SID" ] || fail "no session became live on host 1 in 6 attempts"
E1="$(q "SELECT owner_epoch FROM session WHERE id = '$SID'")"
echo "partition: session $SID live on host 1's session node, owner epoch $E1"

split; ts=$(date +%s%N)
echo "partition: hosts 1 and 2 cut off from each other (both still reach PostgreSQL)"
# host 2 takes the session over once its cluster has dropped host 1 (Hazelcast's failure detection);
# until then its send is forwarded to host 1 and times out
code=""
for _ in $(seq 1 20); do
  code="$(curl -s -m 20 -o /dev/null -w '%{http_code}' "${A2[@]}" -d '{"text":"from host 2 after the split"}' "$URL2/api/v1/sessions/$SID/messages" || true)"
  [ "$code" = 202 ] && break
  sleep 1
done
[ "$code" = 202 ] || fail "host 2 did not take the session over (last answer $code)"
E2="$(q "SELECT owner_epoch FROM session WHERE id = '$SID'")"
owner="$(q "SELECT live_owner FROM session WHERE id = '$SID'")"
[ "${owner%%/*}" = "$N2" ] || fail "after the split the session is live at '$owner', not on host 2"
[ "$E2" -gt "$E1" ] || fail "host 2's activation did not take a newer epoch ($E1 -> $E2)"
echo "partition: host 2 took the session over in $(( ($(date +%s%N)-ts)/1000000 )) ms, epoch $E1 -> $E2"

# host 1's copy still believes it owns the session: its write is refused, nothing is stored
code="$(curl -s -m 20 -o "$MAESTRO_DATA_DIR/stale.json" -w '%{http_code}' "${A1[@]}" -d '{"text":"from host 1 after the split"}' \
  "$URL1/api/v1/sessions/$SID/messages" || true)"
[ "$code" = 421 ] || fail "host 1's stale copy answered $code, not 421 ($(cat "$MAESTRO_DATA_DIR/stale.json" 2>/dev/null))"
[ "$(q "SELECT count(*) FROM message WHERE session_id = '$SID' AND text_content LIKE '%from host 1 after the split%'")" = 0 ] \
  || fail "the stale owner's message was stored"
grep -aq "is stale" "$RUN/h1-session.log" || fail "host 1's session node did not log that its copy is stale"
echo "partition: host 1's stale copy refused its send with 421 and stopped; nothing of it stored"
[ "$(q "SELECT count(*) FROM (SELECT ordinal FROM message WHERE session_id = '$SID' GROUP BY ordinal HAVING count(*) > 1) d")" = 0 ] \
  || fail "a message ordinal was stored twice"
[ "$(q "SELECT count(*) FROM message WHERE session_id = '$SID' AND text_content LIKE '%from host 2 after the split%'")" = 1 ] \
  || fail "host 2's message is not stored exactly once"

heal
"$M" cluster down || fail "cluster down"
trap - EXIT
echo "partition: OK in $(( ($(date +%s%N)-t0)/1000000 )) ms"
rm -rf "$MAESTRO_DATA_DIR"
