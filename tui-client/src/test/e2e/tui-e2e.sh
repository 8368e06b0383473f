#!/usr/bin/env bash
# End-to-end test of the terminal client in tmux against a running Maestro (fake upstream) or the
# test fake gateway. Types with send-keys, reads the screen with capture-pane.
#
# usage: tui-e2e.sh URL TOKEN
# env:   TUI_CMD       command starting the client (default: java -jar tui-client/target/tui-client-*-fat.jar)
#        E2E_PROVIDER  provider of the session it creates (default openai-compatible, the demo upstream)
#        E2E_MODEL     model of that session (default demo-model)
#        E2E_CREDENTIAL credentialId for that session (default: the credential labelled "demo", if any)
#        E2E_WAIT      seconds to wait for each expected screen (default 60)
#        E2E_USER, E2E_PASSWORD  when set, also checks the first-run login that mints and saves a token
# exit:  0 all passed, 1 a check failed, 77 tmux missing (skip)
set -u
URL=${1:?usage: tui-e2e.sh URL TOKEN}
TOKEN=${2:?usage: tui-e2e.sh URL TOKEN}
HERE=$(cd "$(dirname "$0")" && pwd)
if [ -z "${TUI_CMD:-}" ]; then
  JAR=$(ls "$HERE"/../../../target/tui-client-*-fat.jar 2>/dev/null | head -1)
  [ -n "$JAR" ] || { echo "FAIL no fat jar: build with mvn -pl tui-client package"; exit 1; }
  TUI_CMD="java -jar $JAR"
fi
PROVIDER=${E2E_PROVIDER:-openai-compatible}
MODEL=${E2E_MODEL:-demo-model}
WAIT=${E2E_WAIT:-60}
command -v tmux >/dev/null || { echo "SKIP tmux is not installed (apt-get install tmux)"; exit 77; }
command -v curl >/dev/null || { echo "FAIL curl is not installed"; exit 1; }

SOCK="tui-e2e-$$"
WORK=$(mktemp -d)
PANE="e2e0"
RUNS=0
failures=0
tm() { tmux -L "$SOCK" "$@"; }
cleanup() { tm kill-server >/dev/null 2>&1; rm -rf "$WORK"; }
trap cleanup EXIT

json_id() { # first "id" of a JSON document on stdin
  if command -v jq >/dev/null; then jq -r '.id // empty'; else grep -o '"id" *: *"[^"]*"' | head -1 | sed 's/.*"\([^"]*\)"$/\1/'; fi
}
api() { # api METHOD PATH [BODY]
  curl -sS -X "$1" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' ${3:+-d "$3"} "$URL$2"
}
screen() { tm capture-pane -p -t "$PANE"; }
pass() { echo "PASS $1"; }
fail() {
  echo "FAIL $1"; echo "----- screen -----"; screen; echo "------------------"
  failures=$((failures + 1))
}
wait_for() { # wait_for NAME FIXED-TEXT: the screen shows the text
  local deadline=$((SECONDS + WAIT))
  while [ $SECONDS -lt $deadline ]; do
    if screen | grep -qF -- "$2"; then pass "$1"; return 0; fi
    sleep 0.2
  done
  fail "$1 (waited ${WAIT}s for: $2)"; return 1
}
wait_for_re() { # wait_for_re NAME REGEX
  local deadline=$((SECONDS + WAIT))
  while [ $SECONDS -lt $deadline ]; do
    if screen | grep -qE -- "$2"; then pass "$1"; return 0; fi
    sleep 0.2
  done
  fail "$1 (waited ${WAIT}s for /$2/)"; return 1
}
wait_gone() { # wait_gone NAME FIXED-TEXT: the screen no longer shows the text
  local deadline=$((SECONDS + WAIT))
  while [ $SECONDS -lt $deadline ]; do
    if ! screen | grep -qF -- "$2"; then pass "$1"; return 0; fi
    sleep 0.2
  done
  fail "$1 (still showing: $2)"; return 1
}
type_line() { tm send-keys -t "$PANE" -l -- "$1"; tm send-keys -t "$PANE" Enter; }
start_tui() { # start_tui SESSION_ID
  cat >"$WORK/run.sh" <<RUN
export LANG=C.UTF-8
cd '$WORK'
$TUI_CMD --url '$URL' --token '$TOKEN' --session '$1'
echo "TUI-EXIT:\$?"
sleep 600
RUN
  # a new tmux session first, then the old one goes: killing the last one would stop the server
  local old=$PANE
  RUNS=$((RUNS + 1))
  PANE="e2e$RUNS"
  tm -u new-session -d -s "$PANE" -x 120 -y 40 "bash $WORK/run.sh"
  [ "$RUNS" -gt 1 ] && tm kill-session -t "$old" >/dev/null 2>&1
  return 0
}

# a fresh session for the test, on the demo credential unless told otherwise
if [ -z "${E2E_CREDENTIAL:-}" ] && command -v python3 >/dev/null; then
  E2E_CREDENTIAL=$(api GET /api/v1/credentials 2>/dev/null | python3 -c '
import json, sys
try:
    print(next(c["id"] for c in json.load(sys.stdin).get("items", []) if c.get("label") == "demo"))
except Exception:
    pass' 2>/dev/null)
fi
BODY="{\"title\":\"tui-e2e\",\"provider\":\"$PROVIDER\",\"model\":\"$MODEL\"${E2E_CREDENTIAL:+,\"credentialId\":\"$E2E_CREDENTIAL\"}}"
SID=$(api POST /api/v1/sessions "$BODY" | json_id)
[ -n "$SID" ] || { echo "FAIL could not create a session at $URL (body $BODY)"; exit 1; }
echo "session $SID"

start_tui "$SID"
wait_for "status bar shows the session and the connection" "tui-e2e [${SID:0:8}] · connected" || exit 1

WORD="hello-e2e-$$"
type_line "$WORD"
wait_for "streamed answer shown" "Echo: $WORD"
# the real session refuses a send while a turn runs: wait for the turn to end, as a user would
wait_gone "first turn finished" " · working"

OTHER="sent-by-another-client-$$"
api POST "/api/v1/sessions/$SID/messages" "{\"text\":\"$OTHER\"}" >/dev/null
wait_for "a turn started by another client streams in" "Echo: $OTHER"
wait_for_re "its user message is shown too" "^  $OTHER\$"
wait_gone "other client's turn finished" " · working"

type_line "/help"
wait_for "/help lists commands and keys" "Alt+Enter new line"
type_line "/tools"
wait_for_re "/tools lists tools with policies" 'read_file +\[allow\]'
type_line "/export e2e-export.md"
wait_for "/export writes a file" "exported to $WORK/e2e-export.md"
[ -s "$WORK/e2e-export.md" ] && grep -qF "$WORD" "$WORK/e2e-export.md" && pass "export holds the conversation" \
  || fail "export holds the conversation"

tm resize-window -t "$PANE" -x 70 -y 20
wait_for_re "resize redraws the status bar at the new width" '^ tui-e2e \[.{40,}$'
if [ "$(screen | awk '{ if (length($0) > 70) bad = 1 } END { print bad + 0 }')" = 0 ] && screen | grep -qF "exported to"; then
  pass "resized screen fits 70 columns and keeps the conversation"
else
  fail "resized screen fits 70 columns and keeps the conversation"
fi
tm send-keys -t "$PANE" PPage PPage PPage PPage PPage
wait_for "PgUp scrolls back" "lines above the bottom (PgDn)"
screen | grep -qF "Echo: $WORD" && pass "scrollback reaches the first answer" || fail "scrollback reaches the first answer"
tm send-keys -t "$PANE" NPage NPage NPage NPage NPage NPage
wait_gone "PgDn returns to the bottom" "lines above the bottom"
tm resize-window -t "$PANE" -x 120 -y 40
wait_for_re "resize back" '^─{120}$'

tm send-keys -t "$PANE" -l -- "first line"; tm send-keys -t "$PANE" M-Enter; tm send-keys -t "$PANE" -l -- "second line"
if wait_for_re "Alt+Enter makes a second input line" '^  second line'; then
  screen | grep -qE '^> first line' && pass "first input line kept" || fail "first input line kept"
fi
tm send-keys -t "$PANE" Enter
wait_for "multi-line message answered" "Echo: first line"
wait_gone "multi-line turn finished" " · working"

type_line 'call tool write_file with {"path":"tui-e2e.txt","content":"written by the tui e2e test"}'
wait_for "approval prompt shown" "! approval required: [y] allow  [n] deny"
wait_for "status bar asks for the approval" "approval: y/n"
tm send-keys -t "$PANE" y
wait_for "approval answered with a key" "approval: allowed"
wait_for_re "tool result shown" '^  (→|✗) '
wait_gone "turn finished" " · working"

if [ "${E2E_RUNTIME:-0}" = 1 ]; then
  # issue 16 (real system only): Enter queues while a turn runs, /runs lists it, "a" allows the tool for the
  # session, the queued message runs after the turn; /plan and /build
  type_line 'call tool write_file with {"path":"tui-queue.txt","content":"held"}'
  wait_for "approval prompt for the queue check" "! approval required: [y] allow  [n] deny"
  type_line "queued-by-tui-$$"
  wait_for "Enter queues while a turn runs" "queued: queued-by-tui-$$"
  type_line "/runs"
  wait_for_re "/runs lists the run waiting for approval" "waiting_approval +tui-e2e"
  tm send-keys -t "$PANE" a
  wait_for "a allows the tool for the session" "allowed write_file for this session"
  wait_for "the queued message runs as the next turn" "Echo: queued-by-tui-$$"
  wait_gone "queued turn finished" " · working"
  type_line "/plan"
  wait_for "/plan switches to plan mode" "plan mode: only read-only tools run"
  type_line "/build"
  wait_for "/build switches back" "build mode: tools run as their policies say"
  # a task call runs a sub-agent (the demo upstream echoes the child's prompt): its collapsed line ends complete
  type_line 'call tool task with {"description":"tui child","prompt":"hello from the tui child"}'
  wait_for "the sub-agent line is shown" "▸ sub-agent “tui child”"
  wait_for "the sub-agent line ends complete" "▸ sub-agent “tui child” · complete"
  wait_for "the task result returns to the parent" "Tool task returned: Echo: hello from the tui child"
  wait_gone "task turn finished" " · working"
fi
# MCP (issue 19), when E2E_MCP_DIR holds the tool-service test servers: server-everything is added (after the
# /tools check, whose screen it would crowd), Tab completes @resource URIs and /server:prompt, a prompt's missing
# argument is asked for and its text is sent as the message; the server is removed again.
if [ -n "${E2E_MCP_DIR:-}" ]; then
  MCP_NAME="tuievery$$"
  MCP_JS="$E2E_MCP_DIR/node_modules/@modelcontextprotocol/server-everything/dist/index.js"
  MCP_ID=$(api POST /api/v1/mcp-servers "{\"name\":\"$MCP_NAME\",\"transport\":\"stdio\",\"command\":\"node\",\"args\":[\"$MCP_JS\",\"stdio\"],\"mounts\":[\"$E2E_MCP_DIR\"]}" | json_id)
  deadline=$((SECONDS + WAIT))
  until api GET "/api/v1/mcp-servers/$MCP_ID" | grep -q '"status":"connected"'; do
    [ $SECONDS -lt $deadline ] || { fail "MCP server-everything connected"; break; }
    sleep 0.2
  done
  # the client fetches the lists again on each MCP Tab: the first Tab may still see the old (empty) lists
  completed=""
  for _ in 1 2 3 4 5; do
    tm send-keys -t "$PANE" -l -- "see @demo://resource/static/document/archi"; tm send-keys -t "$PANE" Tab
    for _ in $(seq 1 10); do
      screen | grep -qF -- "@demo://resource/static/document/architecture.md" && { completed=1; break; }
      sleep 0.2
    done
    tm send-keys -t "$PANE" C-u
    [ -n "$completed" ] && break
  done
  [ -n "$completed" ] && pass "Tab completes an @ resource URI" || fail "Tab completes an @ resource URI"
  tm send-keys -t "$PANE" -l -- "/$MCP_NAME:args-p"; tm send-keys -t "$PANE" Tab
  wait_for_re "Tab completes /server:prompt" "^> /$MCP_NAME:args-prompt ?\$"
  tm send-keys -t "$PANE" Enter
  wait_for "the prompt's missing argument is asked for" "city"
  type_line "Lisbon"
  wait_for "the prompt's text is sent and answered" "Echo: What's weather in Lisbon?"
  wait_gone "prompt turn finished" " · working"
  api DELETE "/api/v1/mcp-servers/$MCP_ID" >/dev/null
fi

# Catalog pushed (issue 19), against the fake gateway (E2E_FAKE_MCP): an MCP resource appears while the TUI is open;
# the gateway's mcp_catalog frame makes the client re-read both lists with no key pressed (the fake counts the reads:
# resources, then prompts, then the lists are replaced), so the first Tab already completes the new URI.
if [ -n "${E2E_FAKE_MCP:-}" ]; then
  fetches() { api GET /fake/mcp-fetches | grep -o '"prompts" *: *[0-9]*' | grep -o '[0-9]*$'; }
  before=$(fetches)
  api POST /fake/mcp-resource '{"uri":"note://fresh/catalog-note.md","name":"catalog-note.md"}' >/dev/null
  deadline=$((SECONDS + WAIT)); reread=""
  while [ $SECONDS -lt $deadline ]; do
    [ "$(fetches)" -gt "$before" ] && { reread=1; break; }
    sleep 0.2
  done
  [ -n "$reread" ] && pass "mcp_catalog makes the TUI re-read the MCP lists" || fail "mcp_catalog makes the TUI re-read the MCP lists"
  tm send-keys -t "$PANE" -l -- "see @note://fresh/cat"; tm send-keys -t "$PANE" Tab
  wait_for "the first Tab completes a resource added while the TUI was open" "@note://fresh/catalog-note.md"
  tm send-keys -t "$PANE" C-u
fi

tm send-keys -t "$PANE" -l -- "/ne"; tm send-keys -t "$PANE" Tab
wait_for_re "Tab completes /ne to /new" '^> /new ?$'
tm send-keys -t "$PANE" Enter
wait_for "/new creates a session" "created session "
NEW_SID=$(screen | grep -o 'created session [0-9a-fA-F-]*' | head -1 | awk '{print $3}')
if [ -n "$NEW_SID" ] && [ "$NEW_SID" != "$SID" ] && screen | grep -qF "[${NEW_SID:0:8}] · connected"; then
  pass "/new switched to the new session"
else
  fail "/new switched to the new session"
fi
type_line "in the new session"
wait_for "new session answers" "Echo: in the new session"

type_line "/quit"
wait_for "/quit exits with 0" "TUI-EXIT:0"
screen | grep -q "approval required\|────" && fail "/quit restored the terminal" || pass "/quit restored the terminal"

start_tui "$SID"
wait_for "history reloads on restart" "tool write_file {"
tm send-keys -t "$PANE" C-c
wait_for "Ctrl+C exits with 0" "TUI-EXIT:0"
screen | grep -q "────" && fail "Ctrl+C restored the terminal" || pass "Ctrl+C restored the terminal"

if [ -n "${E2E_PASSWORD:-}" ]; then
  cat >"$WORK/run.sh" <<RUN
export LANG=C.UTF-8 XDG_CONFIG_HOME='$WORK/cfg'
unset MAESTRO_TOKEN MAESTRO_CONFIG
cd '$WORK'
$TUI_CMD --url '$URL' --session '$SID'
echo "TUI-EXIT:\$?"
sleep 600
RUN
  RUNS=$((RUNS + 1)); old=$PANE; PANE="e2e$RUNS"
  tm -u new-session -d -s "$PANE" -x 120 -y 40 "bash $WORK/run.sh"; tm kill-session -t "$old" >/dev/null 2>&1
  wait_for "no token: asks for a username" "username:"
  type_line "${E2E_USER:-admin}"
  wait_for "asks for the password" "password:"
  type_line "$E2E_PASSWORD"
  wait_for "minted token works" "[${SID:0:8}] · connected"
  CFG="$WORK/cfg/maestro/config.json"
  [ "$(stat -c %a "$CFG" 2>/dev/null)" = 600 ] && grep -q '"token"' "$CFG" && pass "token saved in a 0600 config file" \
    || fail "token saved in a 0600 config file"
  type_line "/quit"
  wait_for "quit after login" "TUI-EXIT:0"
fi

# budgets and usage (issue 16), against the real system only (E2E_BUDGET=1, set by deploy/tests/tui.sh):
# a session whose own budget cannot cover one request is refused before the provider, and /usage shows
# the usage table and the caller's budget
if [ -n "${E2E_BUDGET:-}" ]; then
  BMODEL=${E2E_BUDGET_MODEL:-gpt-4o}
  BSID=$(api POST /api/v1/sessions "{\"title\":\"tui-budget\",\"provider\":\"$PROVIDER\",\"model\":\"$BMODEL\",\"budgetUsd\":0${E2E_CREDENTIAL:+,\"credentialId\":\"$E2E_CREDENTIAL\"}}" | json_id)
  if [ -z "$BSID" ]; then
    fail "could not create a session with budgetUsd 0"
  else
    start_tui "$BSID"
    wait_for "budget session open" "tui-budget [${BSID:0:8}] · connected"
    type_line "over budget"
    wait_for "a turn over the session budget is refused before the provider" "Error [budget_exceeded]: This session's budget does not cover"
    type_line "/usage model"
    wait_for_re "/usage shows usage by model with a total" '^  total +[0-9]+ req'
    wait_for_re "/usage shows the caller's budget" 'budget.*(left in|spent)'
    type_line "/quit"
    wait_for "quit after the budget check" "TUI-EXIT:0"
    api DELETE "/api/v1/sessions/$BSID" >/dev/null
  fi
fi

api DELETE "/api/v1/sessions/$SID" >/dev/null
[ -n "${NEW_SID:-}" ] && api DELETE "/api/v1/sessions/$NEW_SID" >/dev/null

echo "tui-e2e: $failures failure(s)"
[ $failures = 0 ]
