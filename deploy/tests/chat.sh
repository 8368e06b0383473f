#!/usr/bin/env bash
# One chat turn against a running Maestro started with `up --demo`: mint a token, find the demo
# credential, create a session, send a message, wait for the streamed answer to be stored.
set -euo pipefail
URL="${1:?usage: chat.sh URL}"
j() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
TOKEN="$(curl -sf -H 'Content-Type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"$MAESTRO_ADMIN_PASSWORD\",\"name\":\"smoke\"}" "$URL/api/v1/auth/token" | j 'd["token"]')"
H=(-H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json')
CRED="$(curl -sf "${H[@]}" "$URL/api/v1/credentials" | j '[c["id"] for c in d["items"] if c["label"]=="demo"][0]')"
SID="$(curl -sf "${H[@]}" -d "{\"title\":\"smoke\",\"provider\":\"openai-compatible\",\"model\":\"demo-model\",\"credentialId\":\"$CRED\"}" \
  "$URL/api/v1/sessions" | j 'd["id"]')"
curl -sf "${H[@]}" -d '{"text":"hello from the smoke test"}' "$URL/api/v1/sessions/$SID/messages" >/dev/null
for _ in $(seq 1 60); do
  answer="$(curl -sf "${H[@]}" "$URL/api/v1/sessions/$SID" | j '" ".join(p.get("text","") for m in d["messages"] if m["role"]=="assistant" and m["status"]=="complete" for p in m["content"] if p["type"]=="text")')"
  if [[ "$answer" == *"Echo: hello from the smoke test"* ]]; then echo "chat: OK ($answer)"; break; fi
  sleep 0.5
done
[[ "${answer:-}" == *"Echo: hello from the smoke test"* ]] || { echo "chat: no answer stored (got '${answer:-}')" >&2; exit 1; }
if [ -f "$(dirname "$0")/../../tui-client/target/tui-client-0.1.0-SNAPSHOT-fat.jar" ]; then
  out="$(MAESTRO_URL="$URL" MAESTRO_TOKEN="$TOKEN" "$(dirname "$0")/../maestro" tui send --session "$SID" "second message")"
  [[ "$out" == *"Echo: second message"* ]] || { echo "tui send: unexpected output '$out'" >&2; exit 1; }
  echo "tui send: OK"
fi
# issue 17: the OpenAI-compatible door with curl, non-streaming and streaming, on the demo credential's model
V1='{"model":"openai-compatible/demo-model","messages":[{"role":"user","content":"hello v1"}]'
out="$(curl -sf "${H[@]}" -d "$V1}" "$URL/v1/chat/completions" | j 'd["object"]+" "+d["choices"][0]["message"]["content"]')"
[[ "$out" == "chat.completion Echo: hello v1" ]] || { echo "/v1 chat: unexpected '$out'" >&2; exit 1; }
sse="$(curl -sfN "${H[@]}" -d "$V1,\"stream\":true}" "$URL/v1/chat/completions")"
[[ "$(printf '%s\n' "$sse" | grep '^data: ' | tail -1)" == "data: [DONE]" && "$sse" == *chat.completion.chunk* ]] \
  || { echo "/v1 stream: unexpected '$sse'" >&2; exit 1; }
echo "/v1 chat completions (curl, stream and not): OK"
