#!/usr/bin/env bash
# Projects in the terminal client (issue 15), in tmux against a running Maestro started with `up --demo`:
# `tui send --project NAME` starts a session in its own worktree and the fake model edits a file; in the
# interactive client the status bar shows project@branch, /diff shows the change coloured, /undo puts the
# file back, and after a second edit /commit lands a commit on maestro/<id> in the repository.
# usage: tui-projects.sh URL TOKEN   env: TUI_CMD (as tui-e2e.sh), E2E_WAIT (seconds, default 60)
set -u
URL=${1:?usage: tui-projects.sh URL TOKEN}
TOKEN=${2:?usage: tui-projects.sh URL TOKEN}
HERE=$(cd "$(dirname "$0")" && pwd)
if [ -z "${TUI_CMD:-}" ]; then
  JAR=$(ls "$HERE"/../../../target/tui-client-*-fat.jar 2>/dev/null | head -1)
  [ -n "$JAR" ] || { echo "FAIL no fat jar: build with mvn -pl tui-client package"; exit 1; }
  TUI_CMD="java -jar $JAR"
fi
WAIT=${E2E_WAIT:-60}
command -v tmux >/dev/null || { echo "SKIP tmux is not installed"; exit 77; }
SOCK="tui-projects-$$"
WORK=$(mktemp -d)
PANE="proj"
failures=0
tm() { tmux -L "$SOCK" "$@"; }
cleanup() {
  tm kill-server >/dev/null 2>&1
  api PATCH /api/v1/tools/edit_file '{"policy":"ask"}' >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT
api() { curl -sS -X "$1" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' ${3:+-d "$3"} "$URL$2"; }
screen() { tm capture-pane -p -t "$PANE"; }
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1"; echo "----- screen -----"; screen; echo "------------------"; failures=$((failures + 1)); }
wait_for() {
  local deadline=$((SECONDS + WAIT))
  while [ $SECONDS -lt $deadline ]; do
    if screen | grep -qF -- "$2"; then pass "$1"; return 0; fi
    sleep 0.2
  done
  fail "$1 (waited ${WAIT}s for: $2)"; return 1
}
type_line() { tm send-keys -t "$PANE" -l -- "$1"; tm send-keys -t "$PANE" Enter; }

REPO="$WORK/repo"
mkdir -p "$REPO" && git -C "$REPO" init -q -b main && printf 'hello world\n' > "$REPO/hello.txt" && git -C "$REPO" add -A \
  && git -C "$REPO" -c user.name=T -c user.email=t@example.com commit -q -m initial || { echo "FAIL git repository"; exit 1; }
NAME="tui-$$-$RANDOM"
api POST /api/v1/projects "{\"name\":\"$NAME\",\"path\":\"$REPO\"}" | grep -q "\"name\":\"$NAME\"" || { echo "FAIL project not registered"; exit 1; }
api PATCH /api/v1/tools/edit_file '{"policy":"allow"}' >/dev/null
EDIT='call tool edit_file with {"path":"hello.txt","old":"world","new":"tmux"}'

# tui send --project: a new session on the project; its id on stderr
$TUI_CMD send --url "$URL" --token "$TOKEN" --project "$NAME" --model demo-model "$EDIT" >"$WORK/send.out" 2>"$WORK/send.err"
rc=$?
SID=$(grep -o 'session [0-9a-f-]*' "$WORK/send.err" | head -1 | cut -d' ' -f2)
if [ $rc -eq 0 ] && [ -n "$SID" ] && grep -q "Tool edit_file returned" "$WORK/send.out"; then pass "tui send --project started session $SID and the model edited a file"
else echo "FAIL tui send --project (exit $rc)"; cat "$WORK/send.out" "$WORK/send.err"; exit 1; fi
BRANCH="maestro/${SID:0:8}"

cat >"$WORK/run.sh" <<RUN
export LANG=C.UTF-8 TERM=xterm-256color
cd '$WORK'
$TUI_CMD --url '$URL' --token '$TOKEN' --session '$SID'
sleep 600
RUN
tm -u new-session -d -s "$PANE" -x 140 -y 45 "bash $WORK/run.sh"
wait_for "status bar shows project@branch" "$NAME@$BRANCH" || exit 1

type_line "/diff"
wait_for "/diff lists the changed file" "modified hello.txt +1 -1"
wait_for "/diff shows the added line" "+hello tmux"
# colours: capture with escapes; the added line is drawn in green (SGR 32), the removed one in red (SGR 31)
if tm capture-pane -e -p -t "$PANE" | grep -F -- "+hello tmux" | grep -q $'\e\[32m' \
   && tm capture-pane -e -p -t "$PANE" | grep -F -- "-hello world" | grep -q $'\e\[31m'; then pass "/diff colours added green and removed red"
else fail "/diff colours"; tm capture-pane -e -p -t "$PANE" | grep -F -- "hello" | cat -v | head -5; fi

type_line "/undo"
wait_for "/undo restores the file" "undone: hello.txt restored"
api GET "/api/v1/sessions/$SID/changes" | grep -q '"files":\[\]' && pass "after /undo the worktree has no changes" || fail "after /undo the worktree has no changes"

$TUI_CMD send --url "$URL" --token "$TOKEN" --session "$SID" "$EDIT" >/dev/null 2>&1 || fail "second edit"
type_line "/commit tmux commit"
wait_for "/commit reports the commit on the branch" "committed " && screen | grep -qE "committed [0-9a-f]{10} on $BRANCH" \
  || fail "/commit names the commit and the branch"
if [ "$(git -C "$REPO" log -1 --format=%s "$BRANCH" 2>/dev/null)" = "tmux commit" ] \
   && [ "$(git -C "$REPO" show "$BRANCH:hello.txt")" = "hello tmux" ]; then pass "the commit is on $BRANCH in the repository"
else fail "commit on $BRANCH"; fi

api DELETE "/api/v1/sessions/$SID" >/dev/null
if [ $failures -eq 0 ]; then echo "tui-projects: OK"; exit 0; fi
echo "tui-projects: $failures check(s) FAILED"; exit 1
