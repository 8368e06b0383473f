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
# MCP (issue 19): server-everything from the tool-service test servers, so the tmux run can check @ and
# /server:prompt completion against a real MCP server (skipped when its npm install is missing)
EVERY="$ROOT/tool-service/src/test/node/mcp"
MCP_NAME=""
if [ -f "$EVERY/node_modules/@modelcontextprotocol/server-everything/dist/index.js" ]; then
  MCP_NAME="tuievery"
  MCP_ID="$(curl -sf -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d "{\"name\":\"$MCP_NAME\",\"transport\":\"stdio\",\"command\":\"node\",\"args\":[\"$EVERY/node_modules/@modelcontextprotocol/server-everything/dist/index.js\",\"stdio\"],\"mounts\":[\"$EVERY\"]}" \
    "$URL/api/v1/mcp-servers" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
  for _ in $(seq 1 150); do
    curl -sf -H "Authorization: Bearer $TOKEN" "$URL/api/v1/mcp-servers/$MCP_ID" | grep -q '"status":"connected"' && break
    sleep 0.2
  done
  trap 'curl -sf -X DELETE -H "Authorization: Bearer $TOKEN" "$URL/api/v1/mcp-servers/$MCP_ID" >/dev/null || true' EXIT
fi
E2E_MCP_SERVER="$MCP_NAME" TUI_CMD="$ROOT/deploy/maestro tui" E2E_USER=admin E2E_PASSWORD="$MAESTRO_ADMIN_PASSWORD" \
  "$ROOT/tui-client/src/test/e2e/tui-e2e.sh" "$URL" "$TOKEN"
