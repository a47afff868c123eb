/**
 * `npm run mcp`: the API as an MCP server over stdio, for agents (see mcp/server.ts).
 * Environment: IMGPRO_BASE_URL (the API, e.g. http://localhost:3000), IMGPRO_API_KEY (optional:
 * without it, uploads are anonymous and the team's calls are refused).
 * Stdout carries the protocol: anything else goes to stderr.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createMcpServer } from '../mcp/server.ts';

const baseUrl = process.env.IMGPRO_BASE_URL;
if (!baseUrl || !URL.canParse(baseUrl)) {
  console.error(
    `IMGPRO_BASE_URL must be the API's URL (e.g. http://localhost:3000), got "${baseUrl ?? ''}".`,
  );
  process.exit(1);
}

const server = createMcpServer({ baseUrl, apiKey: process.env.IMGPRO_API_KEY || undefined });
await server.connect(new StdioServerTransport());
console.error(`imgpro MCP server: ${baseUrl}${process.env.IMGPRO_API_KEY ? ', with a key' : ', anonymous'}`);
