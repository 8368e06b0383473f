// A stdio MCP server for sandbox tests: "probe" reports what the server process can see and reach
// (its HOME, a file it tries to read, a directory it tries to list, a TCP port it tries to connect to).
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";
import fs from "node:fs";
import net from "node:net";

const server = new McpServer({ name: "probe", version: "1.0.0" });
const attempt = (f) => { try { return f(); } catch (e) { return "ERR " + e.code; } };
server.registerTool("probe", {
  description: "What can this process see and reach?",
  inputSchema: { read: z.string().optional(), list: z.string().optional(), port: z.number().optional() },
}, async ({ read, list, port }) => {
  const out = { home: process.env.HOME, uid: process.getuid() };
  out.homeWritable = attempt(() => { fs.writeFileSync(process.env.HOME + "/probe.txt", "x"); return "yes"; });
  if (read) out.read = attempt(() => fs.readFileSync(read, "utf8"));
  if (list) out.list = attempt(() => fs.readdirSync(list).join(","));
  if (port) {
    out.connect = await new Promise((resolve) => {
      const s = net.connect({ host: "127.0.0.1", port }, () => { s.destroy(); resolve("open"); });
      s.on("error", (e) => resolve("ERR " + e.code));
      setTimeout(() => { s.destroy(); resolve("ERR timeout"); }, 3000);
    });
  }
  return { content: [{ type: "text", text: JSON.stringify(out) }] };
});
await server.connect(new StdioServerTransport());
