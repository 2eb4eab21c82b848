import { mcpServerPathSchema } from '../../sdk/protocol/schemas';
import { deleteMcpServer } from '../domain/mcp-servers';
import { defineRoute } from '../edge/http/define-route';

export const deleteMcpServerRoute = defineRoute('deleteMcpServer', { summary: 'Remove an upstream MCP server', path: mcpServerPathSchema, status: 204 }, async ({ ctx, path }) => {
  await deleteMcpServer(ctx, path.server);
  return { status: 204 };
});

export const handler = deleteMcpServerRoute.handler;
