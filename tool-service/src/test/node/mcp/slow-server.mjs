// A tiny MCP server (official TypeScript SDK) for the cancellation and SSE-resumption tests.
// `node slow-server.mjs` speaks stdio; `node slow-server.mjs http <port>` speaks Streamable HTTP with an
// event store and `retry: 300`, so a tool can drop its SSE stream and the client has to resume.
// Tools: `slow` runs until the client cancels it (notifications/cancelled aborts its signal) or 60 s;
// `seen` returns what the server saw: slow calls started and aborted (with the JSON-RPC request id and
// the cancel reason) and the Last-Event-ID of every GET; `drop_stream` closes its own SSE stream, then
// answers (the answer only reaches a client that resumes with Last-Event-ID).
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { InMemoryEventStore } from "@modelcontextprotocol/sdk/examples/shared/inMemoryEventStore.js";
import { createServer } from "node:http";
import { randomUUID } from "node:crypto";
import { z } from "zod";

const started = [];
const aborted = [];
const gets = [];

function build() {
  const server = new McpServer({ name: "slow", version: "1.0.0" });
  server.registerTool("slow", { description: "Runs until cancelled (or 60 s)", inputSchema: { label: z.string() } },
    async ({ label }, extra) => {
      started.push({ label, requestId: extra.requestId });
      return await new Promise((resolve) => {
        const timer = setTimeout(() => resolve({ content: [{ type: "text", text: "slow finished" }] }), 60000);
        extra.signal.addEventListener("abort", () => {
          clearTimeout(timer);
          aborted.push({ label, requestId: extra.requestId, reason: String(extra.signal.reason) });
          resolve({ content: [{ type: "text", text: "aborted" }] });
        });
      });
    });
  server.registerTool("seen", { description: "What the server saw" }, async () => ({
    content: [{ type: "text", text: JSON.stringify({ started, aborted, gets }) }] }));
  server.registerTool("drop_stream", { description: "Closes its SSE stream, then answers" }, async (extra) => {
    extra.closeSSEStream?.();
    await new Promise((r) => setTimeout(r, 100));
    return { content: [{ type: "text", text: "answered after the stream was dropped" }] };
  });
  return server;
}

if (process.argv[2] === "http") {
  const sessions = {};
  createServer(async (req, res) => {
    if (req.method === "GET") gets.push(req.headers["last-event-id"] ?? null);
    const sid = req.headers["mcp-session-id"];
    let transport = sid ? sessions[sid] : undefined;
    if (!transport) {
      if (sid || req.method !== "POST") {
        res.writeHead(sid ? 404 : 400).end("unknown session");
        return;
      }
      transport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID(),
        eventStore: new InMemoryEventStore(), retryInterval: 300,
        onsessioninitialized: (id) => { sessions[id] = transport; } });
      await build().connect(transport);
    }
    await transport.handleRequest(req, res);
  }).listen(Number(process.argv[3]), "127.0.0.1", () => console.log("listening"));
} else {
  await build().connect(new StdioServerTransport());
}
