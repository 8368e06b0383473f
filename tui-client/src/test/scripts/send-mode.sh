#!/usr/bin/env bash
# Checks `tui send` from a script, against a gateway with the fake upstream (or the test's fake gateway).
# usage: send-mode.sh URL TOKEN SESSION_ID
# TUI_CMD is the command that starts the client (default: the fat jar).
set -u
URL=$1 TOKEN=$2 SID=$3
TUI_CMD=${TUI_CMD:-"java -jar $(ls "$(dirname "$0")"/../../../target/tui-client-*-fat.jar | head -1)"}
failures=0
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

run() { # run ARGS... ; sets rc, fills $out and $err
  $TUI_CMD "$@" >"$out" 2>"$err"
  rc=$?
}
check() { # check NAME CONDITION-RESULT
  if [ "$2" = 0 ]; then echo "PASS $1"; else
    echo "FAIL $1 (exit $rc)"; echo "  stdout: $(head -c 400 "$out")"; echo "  stderr: $(head -c 400 "$err")"
    failures=$((failures + 1)); fi
}

run send --url "$URL" --token "$TOKEN" --session "$SID" "hello from a script"
[ $rc = 0 ] && [ "$(cat "$out")" = "Echo: hello from a script" ] && [ ! -s "$err" ]; check "streamed answer on stdout, exit 0" $?

run send --url "$URL" --token "$TOKEN" --session "$SID" 'call tool read_file with {"path":"README.md"}'
[ $rc = 0 ]; check "allowed tool runs without approval, exit 0" $?

run send --url "$URL" --token "$TOKEN" --session "$SID" 'call tool write_file with {"path":"s.txt","content":"x"}'
[ $rc = 1 ] && grep -q "needs approval; turn cancelled" "$err" && [ "$(wc -l <"$err")" = 1 ]; check "approval needed without --approve: turn cancelled, exit 1, one line" $?

run send --url "$URL" --token "$TOKEN" --session "$SID" --approve allow 'call tool write_file with {"path":"s.txt","content":"x"}'
[ $rc = 0 ]; check "--approve allow answers the approval, exit 0" $?

if [ "${SEND_MODE_FAIL_TEXT-fail}" != "" ]; then
  run send --url "$URL" --token "$TOKEN" --session "$SID" "${SEND_MODE_FAIL_TEXT-fail}"
  [ $rc = 1 ] && [ -s "$err" ] && [ "$(wc -l <"$err")" = 1 ]; check "turn_error: exit 1, one line on stderr" $?
fi

run send --url "$URL" --token "$TOKEN" --session 00000000-0000-0000-0000-000000000000 "hi"
[ $rc = 3 ] && grep -q "404" "$err"; check "unknown session: HTTP problem, exit 3" $?

run send --url "$URL" --token "not-a-token" --session "$SID" "hi"
[ $rc = 3 ] && grep -q "401" "$err"; check "bad token: exit 3" $?

run send --url "http://127.0.0.1:1" --token "$TOKEN" --session "$SID" "hi"
[ $rc = 3 ] && grep -q "cannot reach" "$err"; check "connection failure: exit 3" $?

run send --url "$URL" --token "$TOKEN" "no session"
[ $rc = 2 ]; check "usage error: exit 2" $?

echo "send-mode: $failures failure(s)"
[ $failures = 0 ]
