# shellcheck shell=bash
# `./deploy/maestro chaos [--sessions N] [--scenario NAME[,NAME..]] [--quick]`: fault scenarios on a
# multi-host test cluster (deploy/cluster/hosts.sh) under load, one table row per scenario.
# Sourced by deploy/maestro (uses its helpers: say, die, as_root, ensure_*, jar_of).
#
# The load is `bench chaos` (bench/.../chaos/ChaosLoad): N sessions, one WebSocket each spread over the
# hosts' gateways, each sending one message after the other (a slow 40-chunk reply, a list_dir tool call)
# with an idempotencyKey; on a close it reconnects to another gateway, resumes with afterSeq and resends.
# Per scenario: driver up and every session streaming -> the fault -> a recovery window -> the driver
# stops sending, lets the turns in flight end and checks every session against the API (PostgreSQL).
#
# Scenarios (host n = the last host; host 1 also runs auth, provider, tool and the demo upstream):
#   session-kill  kill -9 of host n's session node mid-turn
#   gateway-kill  kill -9 of host n's gateway
#   partition     host n's veth down for MAESTRO_CHAOS_PARTITION_SECONDS (8: past Hazelcast's 4 s), then up
#   pg-restart    MAESTRO_CHAOS_PG=forwarder (default): every cluster connection to PostgreSQL is cut and new
#                 ones refused for 3 s (the hosts reach PostgreSQL through a forwarder), which is what the
#                 services see of a restart without restarting a server other programs use;
#                 MAESTRO_CHAOS_PG=restart: pg_ctlcluster restart (as ensure_postgres starts it) or systemctl
#   redis-loss    FLUSHDB of the cluster's Redis db and every connection to Redis cut for 3 s
#   drain         SIGTERM on host n's session node (graceful drain); list_dir asks for approval meanwhile: every
#                 other client holds its answer until the next owner asks again (restored) or the node has exited,
#                 and SIGTERM waits until each of those has a turn waiting (the driver's DIR/waiting), so a known
#                 number of turns wait for their user when the node drains; the others allow after 2 s
# Each killed or stopped process is started again after its scenario, so the next one has every host
# (MAESTRO_CHAOS_RESTORE=0: not after the last scenario, for a test that tears its cluster down next).
#
# Without a cluster of test hosts up, chaos starts its own (`cluster up --hosts 3 --demo`, data under
# $MAESTRO_DATA_DIR/chaos, database MAESTRO_CHAOS_PG_URL, default .../maestro_chaos, dropped first: it
# holds only chaos sessions) and stops it at the end. With one up (e.g. deploy/tests/cluster.sh), it uses
# that one: its demo credential and admin password (MAESTRO_ADMIN_PASSWORD or hosts/h1/admin-password).
# Results: a table on stdout, JSON in MAESTRO_CHAOS_OUT (default bench/target/chaos-results.json).
# Exit 1 when a must-be-zero column (lost, dup msg, dup seq, tools 2x, 2nd turns) is not zero.

CHAOS_ALL="session-kill gateway-kill partition pg-restart redis-loss drain"

chaos_usage() {
  echo "usage: ./deploy/maestro chaos [--sessions N] [--scenario NAME[,NAME..]] [--quick]"
  echo "  scenarios: ${CHAOS_ALL// /, } (default: all)"
}

chaos_now() { date +%s%3N; }

# the pid of a cluster process by its pid-file name (h2-session, fwd-postgres, ...)
chaos_pid() { cat "$HOSTS_RUN/$1.pid" 2>/dev/null || true; }

chaos_kill() { # signal name
  local pid; pid="$(chaos_pid "$2")"
  [ -n "$pid" ] && ! pid_gone "$pid" || die "chaos: $2 is not running"
  kill "-$1" "$pid"
}

chaos_wait_exit() { # name seconds
  local pid; pid="$(chaos_pid "$1")"; [ -n "$pid" ] || return 0
  for _ in $(seq 1 $(( $2 * 4 ))); do pid_gone "$pid" && return 0; sleep 0.25; done
  return 1
}

# A process is started again exactly as it ran: its command line and environment are saved (from /proc)
# before the fault, so an attached cluster needs none of the settings it was started with.
chaos_save() { # name
  local pid; pid="$(chaos_pid "$1")"
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || die "chaos: $1 is not running"
  cp "/proc/$pid/cmdline" "$CHAOS_DIR/$1.cmdline"; cp "/proc/$pid/environ" "$CHAOS_DIR/$1.environ"
}

chaos_respawn() { # name [namespace]
  local name="$1" ns="${2:-}" args envs
  [ -f "$CHAOS_DIR/$name.cmdline" ] || return 0
  hpid_alive "$name" && return 0
  mapfile -d '' args <"$CHAOS_DIR/$name.cmdline"; mapfile -d '' envs <"$CHAOS_DIR/$name.environ"
  # the log of the process that died is evidence for the scenario that killed it (a later scenario's restart
  # used to overwrite it): kept beside the scenario's control files; the new process starts a fresh log, which
  # chaos_restart reads for its "joined" line
  [ -s "$HOSTS_RUN/$name.log" ] && mv "$HOSTS_RUN/$name.log" "$CHAOS_DIR/$name.$(date +%s).log"
  if [ -n "$ns" ]; then run_in_ns "$ns" env -i "${envs[@]}" "${args[@]}" >"$HOSTS_RUN/$name.log" 2>&1 </dev/null &
  else env -i "${envs[@]}" "${args[@]}" >"$HOSTS_RUN/$name.log" 2>&1 </dev/null & fi
  echo $! >"$HOSTS_RUN/$name.pid"
}

# starts a killed service of host i again and waits until it serves (session: joined; gateway: /health)
chaos_restart() { # host service
  local i="$1" svc="$2"
  hpid_alive "h$i-$svc" && return 0
  chaos_respawn "h$i-$svc" "$(host_ns "$i")"
  for _ in $(seq 1 960); do
    case "$svc" in
      gateway) curl -s -m 2 "$(host_url "$i")/health" 2>/dev/null | grep -q '"status"' && return 0 ;;
      *) grep -aq "joined the cluster as node" "$HOSTS_RUN/h$i-$svc.log" 2>/dev/null && return 0 ;;
    esac
    hpid_alive "h$i-$svc" || break
    sleep 0.25
  done
  say "chaos: warning: $svc on host $i did not come back (see $HOSTS_RUN/h$i-$svc.log)"
}

# cut every connection through a forwarder (the socat listener and the children serving connections)
chaos_cut_forwarder() { # name
  local pid; pid="$(chaos_pid "$1")"
  [ -n "$pid" ] || return 0
  chaos_save "$1"
  kill -KILL "$pid" 2>/dev/null || true
  pkill -KILL -P "$pid" 2>/dev/null || true
  rm -f "$HOSTS_RUN/$1.pid"
}

# redis-cli against the cluster's Redis db, as the services use it (their MAESTRO_REDIS_URL, from /proc)
chaos_redis() {
  local url; url="$(tr '\0' '\n' <"/proc/$(chaos_pid h1-gateway)/environ" | sed -n 's/^MAESTRO_REDIS_URL=//p')"
  [ -n "$url" ] || url="$MAESTRO_REDIS_URL"
  redis-cli -h "$(url_host "$url")" -p "$(url_port "$url" 6379)" -n "$(url_db "$url" | grep -E '^[0-9]+$' || echo 0)" "$@"
}

chaos_pg_version() { ls /etc/postgresql 2>/dev/null | sort -V | tail -1; }

# --- the faults: each writes "start-ms end-ms" of its fault to $1 (the driver's control dir)/fault
chaos_fault() { # scenario control-dir
  local name="$1" ctl="$2" n t0 t1; n="$(hosts_count)"
  t0="$(chaos_now)"
  case "$name" in
    session-kill) chaos_save "h$n-session"; t0="$(chaos_now)"; chaos_kill KILL "h$n-session"; t1="$t0" ;;
    gateway-kill) chaos_save "h$n-gateway"; t0="$(chaos_now)"; chaos_kill KILL "h$n-gateway"; t1="$t0" ;;
    partition)
      as_root ip link set "$(host_ns "$n")-h" down
      sleep "${MAESTRO_CHAOS_PARTITION_SECONDS:-8}"
      as_root ip link set "$(host_ns "$n")-h" up; t1="$(chaos_now)" ;;
    pg-restart)
      if [ "${MAESTRO_CHAOS_PG:-forwarder}" = restart ]; then
        local ver; ver="$(chaos_pg_version)"
        if [ -n "$ver" ] && command -v pg_ctlcluster >/dev/null 2>&1; then
          as_root pg_ctlcluster --skip-systemctl-redirect "$ver" main restart -m fast
        else as_root systemctl restart postgresql; fi
      else
        chaos_cut_forwarder fwd-postgres; sleep 3
        chaos_respawn fwd-postgres
      fi
      t1="$(chaos_now)" ;;
    redis-loss)
      chaos_redis FLUSHDB >/dev/null
      chaos_cut_forwarder fwd-redis; sleep 3
      chaos_respawn fwd-redis
      t1="$(chaos_now)" ;;
    drain)
      # not before every client that holds its approvals has a turn waiting for one (the driver writes waiting)
      for _ in $(seq 1 360); do [ -f "$ctl/waiting" ] && break; sleep 0.25; done
      [ -f "$ctl/waiting" ] || say "chaos: drain: the driver did not say its turns wait for approvals; SIGTERM anyway"
      chaos_save "h$n-session"; t0="$(chaos_now)"
      chaos_kill TERM "h$n-session"
      chaos_wait_exit "h$n-session" 90 || say "chaos: the draining session node has not exited after 90 s"
      t1="$(chaos_now)"
      # the turns it parked for their next owner (one log line each); its log is kept, the restart rewrites it
      cp "$HOSTS_RUN/h$n-session.log" "$ctl/drained-session.log" 2>/dev/null || true
      grep -ac 'waits for approval: handed over to the next owner' "$HOSTS_RUN/h$n-session.log" >"$ctl/parked" || true ;;
    *) die "chaos: unknown scenario '$name' ($(chaos_usage | tail -1))" ;;
  esac
  echo "$t0 $t1" >"$ctl/fault.tmp" && mv "$ctl/fault.tmp" "$ctl/fault"
}

chaos_restore() { # scenario [last: the run's last scenario]
  local n; n="$(hosts_count)"
  # MAESTRO_CHAOS_RESTORE=0: leave the last scenario's killed service down (a test tearing its cluster down
  # right after); the scenarios before it still get theirs back, the next one needs every host
  [ "${MAESTRO_CHAOS_RESTORE:-1}" = 0 ] && [ -n "${2:-}" ] && [[ "$1" == *-kill || "$1" == drain ]] && return 0
  case "$1" in
    session-kill|drain) chaos_restart "$n" session ;;
    gateway-kill) chaos_restart "$n" gateway ;;
    partition) as_root ip link set "$(host_ns "$n")-h" up 2>/dev/null || true ;;
    pg-restart) chaos_respawn fwd-postgres ;;
    redis-loss) chaos_respawn fwd-redis ;;
  esac
}

chaos_scenario() { # name [key: the results file's name, for a scenario run more than once] [last]
  local name="$1" key="${2:-$1}" last="${3:-}" ctl dpid gws="" i n t0; n="$(hosts_count)"
  ctl="$(mktemp -d "$CHAOS_DIR/$name.XXXXXX")"
  for i in $(seq 1 "$n"); do gws="${gws:+$gws,}$(host_url "$i")"; done
  say "chaos: $name: $CHAOS_SESSIONS sessions over $n gateways ..."
  t0=$(date +%s)
  java -Xmx768m -jar "$(run_jar "$(jar_of bench)")" chaos --gateways "$gws" --password "$CHAOS_PASSWORD" \
    --sessions "$CHAOS_SESSIONS" --scenario "$name" --control "$ctl" --out "$CHAOS_DIR/$key.json" >"$ctl/driver.log" 2>&1 &
  dpid=$!
  while [ ! -f "$ctl/ready" ]; do
    kill -0 "$dpid" 2>/dev/null || { tail -n 20 "$ctl/driver.log" >&2; say "chaos: $name: the load driver failed"; return 1; }
    [ $(( $(date +%s) - t0 )) -gt 300 ] && { kill "$dpid"; say "chaos: $name: load not ready after 300 s"; return 1; }
    sleep 0.2
  done
  sleep "$CHAOS_WARM"
  chaos_fault "$name" "$ctl"
  sleep "$CHAOS_SETTLE"
  touch "$ctl/stop"
  local rc=0; wait "$dpid" || rc=$?
  chaos_restore "$name" "$last"
  [ "$rc" = 0 ] && [ -f "$CHAOS_DIR/$key.json" ] || { tail -n 20 "$ctl/driver.log" >&2; say "chaos: $name: the load driver failed"; return 1; }
  say "chaos: $name done in $(( $(date +%s) - t0 )) s"
}

chaos_table() { # out-json key... (a scenario's name, or name-2, name-3 ... for its repeats)
  local out="$1"; shift
  python3 - "$CHAOS_DIR" "$out" "$@" <<'EOF'
import json, os, sys
d, out, names = sys.argv[1], sys.argv[2], sys.argv[3:]
rows = []
for n in names:
    p = os.path.join(d, n + ".json")
    rows.append(json.load(open(p)) if os.path.exists(p) else {"scenario": n.rsplit("-", 1)[0] if n[-1:].isdigit() else n,
                                                               "driverFailed": True})
cols = [("scenario", "scenario", 13), ("sessions", "sessions", 8), ("lost", "ackedLost", 4), ("dup msg", "dupMessages", 7),
        ("dup seq", "dupSeq", 7), ("missing seq", "missingSeq", 11), ("announced gaps", "announcedGaps", 14),
        ("tools 2x", "toolsRunTwice", 8),
        ("2nd turns", "secondTurns", 9), ("interrupted", "interrupted", 11), ("failed", "failed", 6),
        ("stalled", "stalled", 7), ("errors", "clientErrors", 6), ("recover s", "recoverSeconds", 9)]
def cell(r, k):
    if r.get("driverFailed"): return "-" if k != "scenario" else r["scenario"] + " (FAILED)"
    v = r.get(k)
    if k == "recoverSeconds": return "never" if v is None else "%.1f" % v
    if k == "interrupted": return "%d (%d text)" % (v, r.get("interruptedWithText", 0))
    if k == "announcedGaps": return "%d (%d seq)" % (v or 0, r.get("announcedSeq", 0))
    return str(v)
w = [max(c[2], len(c[0]), *(len(cell(r, c[1])) for r in rows)) for c in cols]
print("  ".join(c[0].ljust(x) for c, x in zip(cols, w)))
print("  ".join("-" * x for x in w))
for r in rows: print("  ".join(cell(r, c[1]).ljust(x) for c, x in zip(cols, w)))
for r in rows:
    if "approvalsHeldAtFault" in r:
        print("%s: %d turns waited at SIGTERM for an approval their client held; the draining node parked %s, the next owner"
              " asked %d of the held ones again (restored), ran once: %d of %d; %d approvals answered, %d asked again in all"
              % (r["scenario"], r["approvalsHeldAtFault"], "?" if r.get("parkedByDrainedNode") is None else r["parkedByDrainedNode"],
                 r["heldReAsked"], r["heldReAskedRanOnce"], r["heldReAsked"], r["approvalsAnswered"], r.get("approvalsRestored", 0)))
    elif r.get("approvalsAnswered"):
        print("%s: %d tool approvals answered by the clients, %d asked again by the node the waiting turn was handed to"
              % (r["scenario"], r["approvalsAnswered"], r.get("approvalsRestored", 0)))
# a held call asked again after the drain that did not run exactly once counts like a tool run twice
bad = [r["scenario"] for r in rows if r.get("driverFailed") or r.get("heldReAskedNotOnce") or any(r.get(k, 0) for k in
       ("ackedLost", "dupMessages", "dupSeq", "toolsRunTwice", "secondTurns"))]
os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
json.dump({"scenarios": rows, "failed": bad}, open(out, "w"), indent=2)
print("\nlost = acknowledged messages not in PostgreSQL; dup msg = a sent message stored twice; seq columns: what the")
print("clients received (resuming with afterSeq); announced gaps = truncated markers (and the seq numbers they")
print("announced as not coming: the stored messages hold them), not counted as missing; tools 2x = tool calls with")
print("more than one stored result; 2nd turns =")
print("resends with a used idempotencyKey that were not answered duplicate with the same turn; interrupted (with text);")
print("failed = turns ended in error; stalled = turns the client gave up on; errors = error frames + unexpected closes;")
print("recover s = fault start until every session streamed a turn that completed. JSON: " + out)
sys.exit(1 if bad else 0)
EOF
}

cmd_chaos() {
  CHAOS_SESSIONS=50; local scenarios="$CHAOS_ALL" quick=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --sessions) CHAOS_SESSIONS="${2:?--sessions N}"; shift 2 ;;
      --scenario) scenarios="${2:?--scenario NAME}"; scenarios="${scenarios//,/ }"; [ "$scenarios" = all ] && scenarios="$CHAOS_ALL"; shift 2 ;;
      --quick) quick=1; shift ;;
      -h|--help|help) chaos_usage; return 0 ;;
      *) chaos_usage >&2; die "chaos: unknown option $1" ;;
    esac
  done
  [[ "$CHAOS_SESSIONS" =~ ^[0-9]+$ ]] && [ "$CHAOS_SESSIONS" -ge 1 ] || die "chaos: --sessions needs a positive number"
  local s; for s in $scenarios; do [[ " $CHAOS_ALL " == *" $s "* ]] || die "chaos: unknown scenario '$s' (${CHAOS_ALL// /, })"; done
  CHAOS_WARM=2; CHAOS_SETTLE=20; [ -n "$quick" ] && { CHAOS_WARM=1; CHAOS_SETTLE=8; }
  # the load sends far more than a person: the per-user send and API rate limits must not be what is measured
  # (these apply to a cluster chaos starts; an attached one needs them set when it was started)
  export MAESTRO_RATE_SENDS_PER_MINUTE="${MAESTRO_RATE_SENDS_PER_MINUTE:-100000}"
  export MAESTRO_RATE_API_PER_MINUTE="${MAESTRO_RATE_API_PER_MINUTE:-100000}"
  # every session is the admin's: more turns at once than a person's default limit (8), or most sends wait
  export MAESTRO_SESSION_MAX_TURNS_PER_USER="${MAESTRO_SESSION_MAX_TURNS_PER_USER:-10000}"
  # and every scenario opens N new sessions of that user while the earlier ones are still live (idle
  # ones are let go after MAESTRO_SESSION_IDLE_TIMEOUT): past the default 100 live sessions per user
  # every send was refused (429) and the third scenario measured only that
  export MAESTRO_SESSION_MAX_LIVE_PER_USER="${MAESTRO_SESSION_MAX_LIVE_PER_USER:-10000}"
  local own=""
  if [ "$(cat "$MAESTRO_DATA_DIR/hosts/count" 2>/dev/null || echo 0)" = 0 ]; then
    own=1
    export MAESTRO_DATA_DIR="$MAESTRO_DATA_DIR/chaos"
    CLUSTER_KEYSTORE="${MAESTRO_CLUSTER_KEYSTORE:-$MAESTRO_DATA_DIR/cluster/cluster.p12}"
    export MAESTRO_PG_URL="${MAESTRO_CHAOS_PG_URL:-${MAESTRO_PG_URL%/*}/maestro_chaos}"
    export MAESTRO_CLUSTER_NAME="${MAESTRO_CLUSTER_NAME:-maestro-chaos-$$}"
  fi
  # shellcheck source=deploy/cluster/hosts.sh
  . "$ROOT/deploy/cluster/hosts.sh"
  ensure_java
  [ -f "$(jar_of bench)" ] || { say "building the benchmarks ..."; (cd "$ROOT" && mvn -q -B -DskipTests package) || die "build failed"; }
  command -v redis-cli >/dev/null 2>&1 || apt_install redis-tools
  if [ -n "$own" ]; then
    mkdir -p "$MAESTRO_DATA_DIR"; chmod 700 "$MAESTRO_DATA_DIR"
    ensure_postgres
    # a fresh data dir each time would not decrypt an older run's credentials: the chaos database starts empty
    psql "${MAESTRO_PG_URL%/*}/postgres" -qc "DROP DATABASE IF EXISTS \"$(url_db "$MAESTRO_PG_URL")\" WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$MAESTRO_DATA_DIR/hosts"
    # any host's gateway may be the one creating the admin: a password known in advance, kept for the user
    if [ -z "${MAESTRO_ADMIN_PASSWORD:-}" ]; then
      MAESTRO_ADMIN_PASSWORD="$(head -c 18 /dev/urandom | base64 | tr -d '/+=\n')"
      ( umask 077; printf '%s\n' "$MAESTRO_ADMIN_PASSWORD" >"$MAESTRO_DATA_DIR/admin-password" )
    fi
    export MAESTRO_ADMIN_PASSWORD
    trap 'cluster_down >/dev/null 2>&1 || true' EXIT
    cluster_up --hosts "${MAESTRO_CHAOS_HOSTS:-3}" --demo
  fi
  CHAOS_PASSWORD="${MAESTRO_ADMIN_PASSWORD:-$(cat "$HOSTS_BASE/h1/admin-password" 2>/dev/null || true)}"
  [ -n "$CHAOS_PASSWORD" ] || die "chaos: no admin password (MAESTRO_ADMIN_PASSWORD or $HOSTS_BASE/h1/admin-password)"
  # the cluster's Redis and PostgreSQL as the hosts reach them (FLUSHDB goes to the cluster's db only)
  CHAOS_DIR="$HOSTS_BASE/chaos-$(date +%Y%m%d-%H%M%S)"; mkdir -p "$CHAOS_DIR"
  local failed=0 t0; t0=$(date +%s)
  # a scenario named again runs again (e.g. --scenario partition,partition,partition: one cluster, a row each)
  local keys="" k r left; left="$(echo $scenarios | wc -w)"
  for s in $scenarios; do
    k="$s"; r=2; while [[ " $keys " == *" $k "* ]]; do k="$s-$r"; r=$((r + 1)); done; keys="$keys $k"
    left=$((left - 1))
    chaos_scenario "$s" "$k" "$([ "$left" = 0 ] && echo last)" || failed=1
  done
  echo
  local out="${MAESTRO_CHAOS_OUT:-$ROOT/bench/target/chaos-results.json}" rc=0
  chaos_table "$out" $keys || rc=1
  say "chaos: $(echo $scenarios | wc -w) scenarios in $(( $(date +%s) - t0 )) s"
  if [ -n "$own" ]; then trap - EXIT; cluster_down >/dev/null 2>&1 || true; fi
  [ "$failed" = 0 ] && [ "$rc" = 0 ] || { say "chaos: FAILED (a must-be-zero column is not zero, or a driver failed)"; return 1; }
}
