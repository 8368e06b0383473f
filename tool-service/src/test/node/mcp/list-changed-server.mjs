// A tiny stdio MCP server for tests: starts with tool "first"; calling "add_tool" registers
// "second" (the SDK then sends notifications/tools/list_changed); "remove_tool" removes it again.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const server = new McpServer({ name: "list-changed", version: "1.0.0" });
let second = null;
server.registerTool("first", { description: "The first tool", inputSchema: { n: z.number() } },
  async ({ n }) => ({ content: [{ type: "text", text: `first got ${n}` }] }));
server.registerTool("add_tool", { description: "Adds tool 'second'" }, async () => {
  if (!second) {
    second = server.registerTool("second", { description: "Added later", annotations: { readOnlyHint: true } },
      async () => ({ content: [{ type: "text", text: "second here" }] }));
  }
  return { content: [{ type: "text", text: "added" }] };
});
server.registerTool("remove_tool", { description: "Removes tool 'second'" }, async () => {
  if (second) { second.remove(); second = null; }
  return { content: [{ type: "text", text: "removed" }] };
});
server.registerTool("fail", { description: "Always a tool error" }, async () => ({
  isError: true, content: [{ type: "text", text: "this tool always fails" }] }));
await server.connect(new StdioServerTransport());
