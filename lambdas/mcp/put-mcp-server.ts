import { mcpServerPathSchema, putMcpServerRequestSchema } from '../../sdk/protocol/schemas';
import { putMcpServer } from '../domain/mcp-servers';
import { defineRoute } from '../edge/http/define-route';

export const putMcpServerRoute = defineRoute(
  'putMcpServer',
  { summary: 'Register an upstream MCP server (header values encrypted, never returned)', path: mcpServerPathSchema, body: putMcpServerRequestSchema },
  async ({ ctx, deps, caller, path, body }) => ({ body: await putMcpServer({ ...ctx, cipher: deps.cipher }, caller, path.server, body) }),
);

export const handler = putMcpServerRoute.handler;
