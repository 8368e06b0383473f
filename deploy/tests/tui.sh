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
# MCP (issue 19): the tmux run adds server-everything of the tool-service test servers (when installed) to
# check @ and /server:prompt completion against a real MCP server
EVERY="$ROOT/tool-service/src/test/node/mcp"
[ -f "$EVERY/node_modules/@modelcontextprotocol/server-everything/dist/index.js" ] && export E2E_MCP_DIR="$EVERY"
TUI_CMD="$ROOT/deploy/maestro tui" E2E_BUDGET=1 E2E_RUNTIME=1 E2E_USER=admin E2E_PASSWORD="$MAESTRO_ADMIN_PASSWORD" \
  "$ROOT/tui-client/src/test/e2e/tui-e2e.sh" "$URL" "$TOKEN"
# projects (issue 15): /diff, /undo, /commit and tui send --project in tmux
TUI_CMD="$ROOT/deploy/maestro tui" "$ROOT/tui-client/src/test/e2e/tui-projects.sh" "$URL" "$TOKEN"
