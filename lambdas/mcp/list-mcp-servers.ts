import { listMcpServers } from '../domain/mcp-servers';
import { defineRoute } from '../edge/http/define-route';

export const listMcpServersRoute = defineRoute('listMcpServers', { summary: 'The registered MCP servers (header names only)' }, async ({ ctx }) => ({
  body: await listMcpServers(ctx),
}));

export const handler = listMcpServersRoute.handler;
