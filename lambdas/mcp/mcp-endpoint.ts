/**
 * `POST /v1/mcp/{agentId}/{server}`: a Streamable HTTP MCP endpoint for one agent, forwarding
 * to the registered upstream with headers the agent never holds (domain/mcp-gateway.ts).
 */
import { z } from 'zod';
import { idSchema, mcpEndpointPathSchema } from '../../sdk/protocol/schemas';
import { handleMcpMessage, MCP_DEFAULT_INSTANCE } from '../domain/mcp-gateway';
import { resolveMcpServer } from '../domain/mcp-servers';
import { ValidationError } from '../domain/errors';
import { defineRoute } from '../edge/http/define-route';

/** Leave the upstream this much of the invocation to answer in. */
const ANSWER_MARGIN_MS = 1_000;

export const mcpEndpointRoute = defineRoute(
  'mcpEndpoint',
  { summary: 'MCP (Streamable HTTP) for an agent: every tools/call goes through the gateway', path: mcpEndpointPathSchema, body: z.unknown() },
  async ({ ctx, deps, caller, path, body, headers, timeLeftMs }) => {
    const instanceHeader = headers['x-halt-instance-id'];
    if (instanceHeader !== undefined && !idSchema.safeParse(instanceHeader).success) {
      throw new ValidationError('headers.x-halt-instance-id: must match ^[a-z0-9][a-z0-9-_.]{0,63}$ (the instance making the call)');
    }
    const { record, headers: upstreamHeaders } = await resolveMcpServer({ ...ctx, cipher: deps.cipher }, path.server);
    const left = timeLeftMs();
    const reply = await handleMcpMessage({ ...ctx, upstream: deps.upstream }, caller, {
      agentId: path.agentId,
      instanceId: instanceHeader ?? MCP_DEFAULT_INSTANCE,
      server: record,
      headers: upstreamHeaders,
      body,
      ...(headers['mcp-session-id'] ? { sessionId: headers['mcp-session-id'] } : {}),
      ...(headers['mcp-protocol-version'] ? { protocolVersion: headers['mcp-protocol-version'] } : {}),
      ...(Number.isFinite(left) ? { signal: AbortSignal.timeout(Math.max(left - ANSWER_MARGIN_MS, 1)) } : {}),
    });
    const relayed: Record<string, string> = reply.sessionId ? { 'mcp-session-id': reply.sessionId } : {};
    return { status: reply.status, raw: { ...(reply.contentType ? { contentType: reply.contentType } : {}), headers: relayed, body: reply.body } };
  },
);

export const handler = mcpEndpointRoute.handler;
