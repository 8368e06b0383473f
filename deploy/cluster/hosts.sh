# shellcheck shell=bash
# `./deploy/maestro cluster up|status|start|down`: a Maestro cluster on N test hosts on this machine, each a
# Linux network namespace with an address of its own, so the services talk over a real network path
# (veth + bridge, Hazelcast TCP/IP join and the TLS event bus bound to each host's address).
# Sourced by deploy/maestro (uses its helpers: say, die, as_root, apt_install, ensure_*).
#
#   bridge  ${PREFIX}-br (root namespace)            ${SUBNET}.1/24
#   host i  netns ${PREFIX}-i, veth ${PREFIX}-i-h (root side, on the bridge) / ${PREFIX}-i-n (inside)
#           address ${SUBNET}.(10+i); runs gateway + session; host 1 also auth, provider, tool
#           (and the demo upstream on its own loopback, reached by provider-service on host 1)
#
# PostgreSQL and Redis stay where they run (loopback of the root namespace). A namespace's loopback is
# its own, so the hosts reach them through socat forwarders listening on the bridge address only
# (${SUBNET}.1:<pg port>, ${SUBNET}.1:<redis port>) and connecting to loopback: PostgreSQL keeps
# listening on loopback only, its configuration is not touched, and pg_hba sees loopback clients.
# Nothing listens on any other address; the bridge has no uplink and no forwarding or NAT is set up.
#
# Settings: MAESTRO_HOSTS_PREFIX (mhost), MAESTRO_HOSTS_SUBNET (10.231.0, a /24), MAESTRO_HTTP_PORT
# and MAESTRO_CLUSTER_PORT (the same on every host: each namespace has its own ports),
# MAESTRO_CLUSTER_NAME (maestro-hosts), MAESTRO_DEMO_PORT. State under $MAESTRO_DATA_DIR/hosts.

HOSTS_PREFIX="${MAESTRO_HOSTS_PREFIX:-mhost}"
HOSTS_SUBNET="${MAESTRO_HOSTS_SUBNET:-10.231.0}"
HOSTS_BASE="$MAESTRO_DATA_DIR/hosts"
HOSTS_RUN="$HOSTS_BASE/run"
HOSTS_BRIDGE="${HOSTS_PREFIX}-br"
HOSTS_GW="${HOSTS_SUBNET}.1"

host_ns() { echo "${HOSTS_PREFIX}-$1"; }
host_addr() { echo "${HOSTS_SUBNET}.$((10 + $1))"; }
host_services() { if [ "$1" = 1 ]; then echo "auth provider tool session gateway"; else echo "session gateway"; fi; }
hosts_count() { cat "$HOSTS_BASE/count" 2>/dev/null || echo 0; }
# run a command in host namespace $1; exec, so `run_in_ns ... &` leaves $! = the command's own pid
run_in_ns() { local ns="$1"; shift; if [ "$(id -u)" = 0 ]; then exec ip netns exec "$ns" "$@"; else exec sudo -n ip netns exec "$ns" "$@"; fi; }
# a process killed is a zombie until its parent reaps it; a cluster brought up by another shell that has exited
# is reparented to this machine's init, which may reap late: a zombie counts as gone (pid_gone, deploy/maestro)
hpid_alive() { [ -f "$HOSTS_RUN/$1.pid" ] && ! pid_gone "$(cat "$HOSTS_RUN/$1.pid")"; }
host_url() { echo "http://$(host_addr "$1"):$MAESTRO_HTTP_PORT"; }

ensure_netns_tools() {
  command -v ip >/dev/null 2>&1 || apt_install iproute2
  command -v socat >/dev/null 2>&1 || apt_install socat
  as_root ip netns list >/dev/null 2>&1 || die "cannot manage network namespaces here (ip netns: needs root and CAP_NET_ADMIN)"
}

# the bridge, then one namespace + veth pair per host
hosts_network_up() {
  local n="$1" i ns
  as_root ip link add "$HOSTS_BRIDGE" type bridge
  as_root ip addr add "$HOSTS_GW/24" dev "$HOSTS_BRIDGE"
  as_root ip link set "$HOSTS_BRIDGE" up
  for i in $(seq 1 "$n"); do
    ns="$(host_ns "$i")"
    as_root ip netns add "$ns"
    as_root ip link add "$ns-h" type veth peer name "$ns-n"
    as_root ip link set "$ns-n" netns "$ns"
    as_root ip link set "$ns-h" master "$HOSTS_BRIDGE" up
    as_root ip -n "$ns" addr add "$(host_addr "$i")/24" dev "$ns-n"
    as_root ip -n "$ns" link set "$ns-n" up
    as_root ip -n "$ns" link set lo up
  done
}

hosts_network_down() {
  local ns
  for ns in $(as_root ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^${HOSTS_PREFIX}-[0-9]+$" || true); do
    as_root ip netns del "$ns" 2>/dev/null || true   # its veth end goes with it, and the peer with that
  done
  for l in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E "^${HOSTS_PREFIX}-" || true); do
    as_root ip link del "$l" 2>/dev/null || true
  done
}

# socat on the bridge address -> the loopback service; prints nothing, records its pid
start_forwarder() { # name listen-port target-host target-port
  nohup socat "TCP-LISTEN:$2,bind=$HOSTS_GW,reuseaddr,fork" "TCP:$3:$4" >"$HOSTS_RUN/$1.log" 2>&1 </dev/null &
  echo $! >"$HOSTS_RUN/$1.pid"
  disown $! 2>/dev/null || true  # a process chaos kills must not be reported as a "Killed" job
}

start_host_service() { # host-index service
  local i="$1" svc="$2" jar addr members="" k
  jar="$(run_jar "$(service_jar "$svc")")"
  addr="$(host_addr "$i")"
  # every member's exact address (host:port, a host's services bind the cluster port upwards in turn): a
  # healed partition's two sides find each other by asking these, and Hazelcast waits 5 s on each address
  # nobody listens on; an address without a port stands for 3 ports (hazelcast.tcp.join.port.try.count),
  # of which the hosts with two services leave one closed (chaos partition: the merge came 6-15 s after the heal)
  local p n
  for k in $(seq 1 "$(hosts_count)"); do
    n="$(host_services "$k" | wc -w)"
    for p in $(seq "${MAESTRO_CLUSTER_PORT:-5701}" $(( ${MAESTRO_CLUSTER_PORT:-5701} + n - 1 ))); do
      members="${members:+$members,}$(host_addr "$k"):$p"
    done
  done
  mkdir -p "$HOSTS_BASE/h$i"; chmod 700 "$HOSTS_BASE/h$i"
  # shellcheck disable=SC2086
  run_in_ns "$(host_ns "$i")" env \
    MAESTRO_CLUSTER_HOST="$addr" MAESTRO_HTTP_HOST="$addr" MAESTRO_CLUSTER_MEMBERS="$members" \
    MAESTRO_DATA_DIR="$HOSTS_BASE/h$i" MAESTRO_CLUSTER_KEYSTORE="$CLUSTER_KEYSTORE" \
    MAESTRO_PG_URL="$HOSTS_PG_URL" MAESTRO_REDIS_URL="$HOSTS_REDIS_URL" \
    nohup java ${MAESTRO_JAVA_OPTS:-$JAVA_OPTS_DEFAULT} $HZ_FLAGS -jar "$jar" >"$HOSTS_RUN/h$i-$svc.log" 2>&1 </dev/null &
  echo $! >"$HOSTS_RUN/h$i-$svc.pid"
  disown $! 2>/dev/null || true  # a process chaos kills must not be reported as a "Killed" job
}

# the URL with its host:port replaced by the forwarder's
rewrite_url() { # url new-host:port
  local u="$1" scheme rest cred="" path=""
  scheme="${u%%://*}"; rest="${u#*://}"
  [[ "$rest" == *@* ]] && { cred="${rest%%@*}@"; rest="${rest#*@}"; }
  [[ "$rest" == */* ]] && path="/${rest#*/}"
  echo "$scheme://$cred$2$path"
}

# PostgreSQL and Redis as the hosts reach them: through the forwarders on the bridge address
hosts_store_urls() {
  HOSTS_PG_URL="$(rewrite_url "$MAESTRO_PG_URL" "$HOSTS_GW:$(url_port "$MAESTRO_PG_URL" 5432)")"
  HOSTS_REDIS_URL="$(rewrite_url "$MAESTRO_REDIS_URL" "$HOSTS_GW:$(url_port "$MAESTRO_REDIS_URL" 6379)")"
}

# with the demo upstream, provider-service may call it on host 1's loopback
hosts_demo_env() {
  export MAESTRO_ALLOWED_PRIVATE_HOSTS="${MAESTRO_ALLOWED_PRIVATE_HOSTS:-127.0.0.1:11434,[::1]:11434,localhost:11434,127.0.0.1:1234,[::1]:1234,localhost:1234},127.0.0.1:${MAESTRO_DEMO_PORT:-8089}"
}

cluster_up() {
  local n=2 demo=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --hosts) n="${2:?--hosts N}"; shift 2 ;;
      --demo) demo=1; shift ;;
      *) die "cluster up: unknown option $1 (usage: cluster up --hosts N [--demo])" ;;
    esac
  done
  [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 2 ] && [ "$n" -le 200 ] || die "cluster up: --hosts needs a number from 2 to 200"
  [ "$(hosts_count)" != 0 ] && die "a cluster of $(hosts_count) hosts is already up (./deploy/maestro cluster status / cluster down)"
  ensure_netns_tools
  export MAESTRO_CLUSTER_NAME="${MAESTRO_CLUSTER_NAME:-maestro-hosts}"
  ensure_postgres; ensure_database "$MAESTRO_PG_URL"; ensure_redis; ensure_sandbox; ensure_build; ensure_cluster_key
  local t0; t0=$(date +%s%N)
  mkdir -p "$HOSTS_RUN"; chmod 700 "$HOSTS_BASE"
  echo "$n" >"$HOSTS_BASE/count"
  hosts_network_down   # leftovers of a crashed run
  hosts_network_up "$n" || { cluster_down; die "could not create the network namespaces"; }
  local pgp rdp
  pgp="$(url_port "$MAESTRO_PG_URL" 5432)"; rdp="$(url_port "$MAESTRO_REDIS_URL" 6379)"
  start_forwarder fwd-postgres "$pgp" "$(url_host "$MAESTRO_PG_URL")" "$pgp"
  start_forwarder fwd-redis "$rdp" "$(url_host "$MAESTRO_REDIS_URL")" "$rdp"
  hosts_store_urls
  local demo_port="${MAESTRO_DEMO_PORT:-8089}"
  if [ -n "$demo" ]; then
    hosts_demo_env
    run_in_ns "$(host_ns 1)" nohup java -Xmx128m -cp "$(run_jar "$(jar_of testkit)")" dev.maestro.testkit.fake.FakeUpstreamMain \
      --port "$demo_port" >"$HOSTS_RUN/h1-fake-upstream.log" 2>&1 </dev/null &
    echo $! >"$HOSTS_RUN/h1-fake-upstream.pid"
  disown $! 2>/dev/null || true  # a process chaos kills must not be reported as a "Killed" job
  fi
  local i s
  # one member first: on a busy machine, nine members starting at once can all still be electing a master
  # when their 60 s join timeout ends; the others then join a formed cluster
  start_host_service 1 auth
  for _ in $(seq 1 480); do
    grep -aq "joined the cluster as node" "$HOSTS_RUN/h1-auth.log" 2>/dev/null && break
    hpid_alive h1-auth || break
    sleep 0.25
  done
  for i in $(seq 1 "$n"); do for s in $(host_services "$i"); do [ "$i-$s" = 1-auth ] || start_host_service "$i" "$s"; done; done
  local deadline=$(( $(date +%s) + ${MAESTRO_UP_TIMEOUT:-240} )) up
  while :; do
    up=0
    for i in $(seq 1 "$n"); do
      curl -s -m 3 "$(host_url "$i")/health" 2>/dev/null | grep -q '"status":"UP"' && up=$((up+1))
      for s in $(host_services "$i"); do
        hpid_alive "h$i-$s" || { printf '\n' >&2; say "$s-service on host $i exited during start-up:"
          tail -n 5 "$HOSTS_RUN/h$i-$s.log" | sed 's/^/  /' >&2; cluster_down >/dev/null 2>&1 || true; exit 1; }
      done
    done
    [ "$up" = "$n" ] && break
    printf '\rmaestro: waiting for the hosts ... %d of %d gateways UP' "$up" "$n" >&2
    [ "$(date +%s)" -ge "$deadline" ] && { printf '\n' >&2; cluster_status; die "not UP after ${MAESTRO_UP_TIMEOUT:-240}s (logs: $HOSTS_RUN)"; }
    sleep 1
  done
  printf '\r%-70s\r' "" >&2
  if [ -n "$demo" ]; then
    for _ in $(seq 1 40); do as_root ip netns exec "$(host_ns 1)" curl -s -o /dev/null "http://127.0.0.1:$demo_port/v1/models" && break; sleep 0.25; done
    URL="$(host_url 1)" MAESTRO_DATA_DIR="$HOSTS_BASE/h1" register_demo_credential
  fi
  local t1; t1=$(date +%s%N)
  say "cluster of $n hosts UP in $(( (t1-t0)/1000000 )) ms; gateways:"
  for i in $(seq 1 "$n"); do say "  host $i ($(host_ns "$i")): $(host_url "$i")"; done
  if [ -z "${MAESTRO_ADMIN_PASSWORD:-}" ]; then say "admin password: $HOSTS_BASE/h1/admin-password"; fi
}

cluster_status() {
  local n i s rss; n="$(hosts_count)"
  if [ "$n" = 0 ]; then echo "  no cluster of test hosts is up"; return 0; fi
  echo "  $n hosts on bridge $HOSTS_BRIDGE ($HOSTS_GW/24)"
  for f in fwd-postgres fwd-redis; do
    if hpid_alive "$f"; then printf '  %-22s running  pid %s\n' "$f" "$(cat "$HOSTS_RUN/$f.pid")"; else printf '  %-22s stopped\n' "$f"; fi
  done
  for i in $(seq 1 "$n"); do
    echo "  host $i  netns $(host_ns "$i")  address $(host_addr "$i")"
    for s in $(host_services "$i") $([ "$i" = 1 ] && [ -f "$HOSTS_RUN/h1-fake-upstream.pid" ] && echo fake-upstream); do
      if hpid_alive "h$i-$s"; then
        rss=$(ps -o rss= -p "$(cat "$HOSTS_RUN/h$i-$s.pid")" | tr -d ' ')
        printf '    %-14s running  pid %-7s rss %5d MiB\n' "$s" "$(cat "$HOSTS_RUN/h$i-$s.pid")" "$((rss/1024))"
      else printf '    %-14s stopped\n' "$s"; fi
    done
    echo "    health: $(curl -s -m 3 "$(host_url "$i")/health" 2>/dev/null || echo "gateway not answering on $(host_url "$i")")"
  done
}

cluster_down() {
  local f pid any=""
  if [ -d "$HOSTS_RUN" ]; then
    for f in "$HOSTS_RUN"/*.pid; do
      [ -f "$f" ] || continue
      pid="$(cat "$f")"; any=1
      # TERM (a session node drains), KILL after 15 s, and either way wait until it is really gone: a
      # process leaving a cluster whose other members stop too can take longer, and one just killed is
      # not gone the moment kill returns
      ( kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 60); do pid_gone "$pid" && exit 0; sleep 0.25; done
        kill -KILL "$pid" 2>/dev/null || true
        for _ in $(seq 1 40); do pid_gone "$pid" && exit 0; sleep 0.25; done ) &
    done
    wait
    rm -f "$HOSTS_RUN"/*.pid
  fi
  hosts_network_down
  rm -f "$HOSTS_BASE/count"
  [ -n "$any" ] && say "cluster stopped; namespaces, veths and bridge removed" || say "no cluster of test hosts was running"
}

# `cluster start <host> <service>`: a service of a host that crashed or was killed runs again, as
# `cluster up` started it (same settings: run it with the environment the cluster was brought up with)
cluster_start() { # host-index service
  local i="${1:-}" svc="${2:-}" n; n="$(hosts_count)"
  [ "$n" != 0 ] || die "no cluster of test hosts is up (./deploy/maestro cluster up --hosts N)"
  [[ "$i" =~ ^[0-9]+$ ]] && [ "$i" -ge 1 ] && [ "$i" -le "$n" ] || die "cluster start: no host '$i' (hosts 1 to $n)"
  [[ " $(host_services "$i") " == *" $svc "* ]] || die "cluster start: host $i runs no '$svc' (it runs: $(host_services "$i"))"
  hpid_alive "h$i-$svc" && { say "$svc-service on host $i is already running (pid $(cat "$HOSTS_RUN/h$i-$svc.pid"))"; return 0; }
  ensure_java; ensure_cluster_key; hosts_store_urls
  [ -f "$HOSTS_RUN/h1-fake-upstream.pid" ] && hosts_demo_env
  # the log of the process that ended is kept: it says why
  [ -s "$HOSTS_RUN/h$i-$svc.log" ] && mv "$HOSTS_RUN/h$i-$svc.log" "$HOSTS_RUN/h$i-$svc.$(date +%s).log"
  start_host_service "$i" "$svc"
  local deadline=$(( $(date +%s) + ${MAESTRO_UP_TIMEOUT:-240} ))
  until grep -aq "joined the cluster as node" "$HOSTS_RUN/h$i-$svc.log" 2>/dev/null; do
    hpid_alive "h$i-$svc" || { say "$svc-service on host $i exited during start-up:"; tail -n 5 "$HOSTS_RUN/h$i-$svc.log" | sed 's/^/  /' >&2; return 1; }
    [ "$(date +%s)" -ge "$deadline" ] && die "$svc-service on host $i has not joined after ${MAESTRO_UP_TIMEOUT:-240}s (log: $HOSTS_RUN/h$i-$svc.log)"
    sleep 0.25
  done
  if [ "$svc" = gateway ]; then
    until curl -s -m 3 "$(host_url "$i")/health" 2>/dev/null | grep -q '"status"'; do
      [ "$(date +%s)" -ge "$deadline" ] && die "the gateway of host $i does not answer on $(host_url "$i")/health"
      sleep 0.25
    done
  fi
  say "$svc-service on host $i running again (pid $(cat "$HOSTS_RUN/h$i-$svc.pid"))"
}

cmd_cluster() {
  case "${1:-}" in
    up) shift; cluster_up "$@" ;;
    status) cluster_status ;;
    start) shift; cluster_start "$@" ;;
    down) cluster_down ;;
    *) die "usage: ./deploy/maestro cluster up --hosts N [--demo] | status | start <host> <service> | down" ;;
  esac
}
