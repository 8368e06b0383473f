// A stdio MCP server of either era, for the revision-probe tests: `node era-server.mjs <log file> 2025|2026`.
// Every method it receives is appended to the log file (one per line), across restarts.
// 2025: the official SDK's server (initialize; whatever it answers to server/discover before that).
// 2026: the stateless 2026-07-28 revision by hand (server/discover, no initialize: refused as unknown), with
// tools.listChanged over subscriptions/listen: the tool `grow` adds a tool `grown` and tells every open listen
// stream (notifications/tools/list_changed tagged with _meta["io.modelcontextprotocol/subscriptionId"]).
import fs from "node:fs";
import readline from "node:readline";

const [log, era] = process.argv.slice(2);
const note = (m) => fs.appendFileSync(log, m + "\n");

if (era === "2025") {
  const { McpServer } = await import("@modelcontextprotocol/sdk/server/mcp.js");
  const { StdioServerTransport } = await import("@modelcontextprotocol/sdk/server/stdio.js");
  let buf = "";
  process.stdin.on("data", (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try { note(JSON.parse(line).method ?? "response"); } catch { /* not JSON */ }
    }
  });
  const server = new McpServer({ name: "era-2025", version: "1.0.0" });
  server.registerTool("hello", { description: "Says hello" }, async () => ({ content: [{ type: "text", text: "hello from 2025" }] }));
  await server.connect(new StdioServerTransport());
} else {
  const send = (msg) => process.stdout.write(JSON.stringify({ jsonrpc: "2.0", ...msg }) + "\n");
  const result = (id, r) => send({ id, result: { resultType: "complete", ...r } });
  const error = (id, code, message) => send({ id, error: { code, message } });
  const listens = [];   // ids of open subscriptions/listen requests that asked for toolsListChanged
  let grown = false;
  const rl = readline.createInterface({ input: process.stdin });
  rl.on("line", (line) => {
    let msg;
    try { msg = JSON.parse(line); } catch { return; }
    note(msg.method ?? "response");
    if (msg.id === undefined) {   // notifications: cancelled ends a listen stream
      if (msg.method === "notifications/cancelled") {
        const i = listens.indexOf(msg.params?.requestId);
        if (i >= 0) listens.splice(i, 1);
      }
      return;
    }
    const p = msg.params ?? {};
    if (msg.method !== "server/discover" && p._meta?.["io.modelcontextprotocol/protocolVersion"] !== "2026-07-28") {
      return error(msg.id, -32022, "Unsupported protocol version");
    }
    switch (msg.method) {
      case "server/discover":
        return result(msg.id, { supportedVersions: ["2026-07-28"], capabilities: { tools: { listChanged: true } },
          serverInfo: { name: "era-2026", version: "1.0.0" }, instructions: "A stdio server of 2026." });
      case "subscriptions/listen": {
        const honoured = p.notifications?.toolsListChanged ? { toolsListChanged: true } : {};
        send({ method: "notifications/subscriptions/acknowledged",
          params: { notifications: honoured, _meta: { "io.modelcontextprotocol/subscriptionId": msg.id } } });
        if (honoured.toolsListChanged) listens.push(msg.id);
        return;   // stays open: no response until the server tears it down
      }
      case "tools/list": {
        const tools = [{ name: "echo", description: "Repeats the message",
          inputSchema: { type: "object", properties: { message: { type: "string" } } } },
          { name: "grow", description: "Adds the tool grown", inputSchema: { type: "object", properties: {} } }];
        if (grown) tools.push({ name: "grown", description: "Added while connected", inputSchema: { type: "object", properties: {} } });
        return result(msg.id, { tools });
      }
      case "tools/call": {
        if (p.name === "grow") {
          grown = true;
          for (const id of listens) {
            send({ method: "notifications/tools/list_changed", params: { _meta: { "io.modelcontextprotocol/subscriptionId": id } } });
          }
          return result(msg.id, { content: [{ type: "text", text: "grown" }] });
        }
        const token = p._meta?.progressToken;
        if (token !== undefined) {
          send({ method: "notifications/progress", params: { progressToken: token, progress: 1, total: 1, message: "echoing" } });
        }
        return result(msg.id, { content: [{ type: "text", text: "echo: " + (p.arguments?.message ?? "") }] });
      }
      default:
        return error(msg.id, -32601, "Method not found: " + msg.method);
    }
  });
}
