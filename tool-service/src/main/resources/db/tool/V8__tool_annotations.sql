-- MCP tool annotations (readOnlyHint, destructiveHint, idempotentHint, openWorldHint, title) as the server sent
-- them: shown in the tool list and read by plan mode. Hints from an untrusted server, never a permission.
ALTER TABLE tool ADD COLUMN annotations jsonb;
