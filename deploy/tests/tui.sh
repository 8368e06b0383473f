#!/usr/bin/env bash
# The terminal client against the real system (started by smoke.sh with `up --demo`): the tmux
# end-to-end run (typing with send-keys, reading capture-pane) and the non-interactive send mode.
set -euo pipefail
URL="${1:?usage: tui.sh URL}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
command -v tmux >/dev/null 2>&1 || { echo "tui.sh: tmux is missing (./deploy/maestro test installs it)" >&2; exit 1; }
TOKEN="$(curl -sf -H 'Content-Type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"$MAESTRO_ADMIN_PASSWORD\",\"name\":\"tui-e2e\"}" "$URL/api/v1/auth/token" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')"
TUI_CMD="$ROOT/deploy/maestro tui" E2E_USER=admin E2E_PASSWORD="$MAESTRO_ADMIN_PASSWORD" \
  "$ROOT/tui-client/src/test/e2e/tui-e2e.sh" "$URL" "$TOKEN"
# projects (issue 15): /diff, /undo, /commit and tui send --project in tmux
TUI_CMD="$ROOT/deploy/maestro tui" "$ROOT/tui-client/src/test/e2e/tui-projects.sh" "$URL" "$TOKEN"
