#!/usr/bin/env bash
# Browser end-to-end run against a running Maestro started with `up --demo` (called by smoke.sh):
# Playwright (core) drives Debian's Chromium through web-ui/src/test/node/browser/real-flow.mjs —
# log in, add an API key for the demo fake upstream, chat (streaming, approve/deny a tool, cancel,
# HTML shown as text) and every page at 390 px. Screenshots go to web-ui/target/screenshots-real/.
# Needs MAESTRO_ADMIN_PASSWORD and MAESTRO_DEMO_PORT (as set for `up --demo`).
set -euo pipefail
URL="${1:?usage: browser.sh URL}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DIR="$ROOT/web-ui/src/test/node/browser"
: "${MAESTRO_ADMIN_PASSWORD:?browser: MAESTRO_ADMIN_PASSWORD is not set}"
: "${MAESTRO_DEMO_PORT:?browser: MAESTRO_DEMO_PORT is not set (the demo upstream port of up --demo)}"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  echo "browser: FAILED: Chromium not found at $CHROMIUM — install it with 'apt-get install -y chromium' (or set CHROMIUM)" >&2
  exit 1
fi
command -v node >/dev/null || { echo "browser: FAILED: node is not installed" >&2; exit 1; }
cd "$DIR"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  echo "browser: npm ci"
  npm ci --no-audit --no-fund >/dev/null || { echo "browser: FAILED: npm ci in $DIR" >&2; exit 1; }
  touch node_modules
fi
# MCP checks (issue 19) use the real server-everything of the tool-service tests when it is installed
EVERY="$ROOT/tool-service/src/test/node/mcp"
if [ -f "$EVERY/node_modules/@modelcontextprotocol/server-everything/dist/index.js" ]; then
  export MCP_EVERYTHING="$EVERY/node_modules/@modelcontextprotocol/server-everything/dist/index.js" MCP_EVERYTHING_DIR="$EVERY"
fi
SHOTS="$ROOT/web-ui/target/screenshots-real"
rm -rf "$SHOTS"
set +e
MAESTRO_URL="$URL" MAESTRO_USER="${MAESTRO_ADMIN_USER:-admin}" MAESTRO_PASSWORD="$MAESTRO_ADMIN_PASSWORD" \
  MAESTRO_PROVIDER=openai-compatible MAESTRO_PROVIDER_URL="http://127.0.0.1:$MAESTRO_DEMO_PORT/v1" \
  MAESTRO_API_KEY="sk-browser-$RANDOM$RANDOM" CHROMIUM="$CHROMIUM" SCREENSHOTS="$SHOTS" \
  node real-flow.mjs
rc=$?
set -e
if [ $rc -ne 0 ]; then
  echo "browser: FAILED (exit $rc): see the FAIL lines above; screenshots in $SHOTS" >&2
  exit 1
fi
# projects (issue 15): a real git repository registered from the Projects page, the Changes panel, undo, commit
REPO="$(mktemp -d /tmp/maestro-browser-repo.XXXXXX)"
git -C "$REPO" init -q -b main && printf 'hello world\n' > "$REPO/hello.txt" && git -C "$REPO" add -A \
  && git -C "$REPO" -c user.name=Browser -c user.email=browser@example.com commit -q -m initial
set +e
MAESTRO_URL="$URL" MAESTRO_USER="${MAESTRO_ADMIN_USER:-admin}" MAESTRO_PASSWORD="$MAESTRO_ADMIN_PASSWORD" \
  MAESTRO_PROVIDER=openai-compatible MAESTRO_PROVIDER_URL="http://127.0.0.1:$MAESTRO_DEMO_PORT/v1" \
  MAESTRO_PROJECT_REPO="$REPO" CHROMIUM="$CHROMIUM" SCREENSHOTS="$SHOTS" node projects-flow.mjs
rc=$?
set -e
if [ $rc -ne 0 ]; then
  echo "browser: projects FAILED (exit $rc): see the FAIL line above; screenshots in $SHOTS" >&2
  exit 1
fi
echo "browser: OK (screenshots in $SHOTS)"
