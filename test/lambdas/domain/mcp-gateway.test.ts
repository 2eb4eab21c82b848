import type { Caller, DomainContext } from '../../../lambdas/domain/context';
import { handleMcpMessage, MCP_REFUSED, MCP_UPSTREAM_ERROR, parseSse, serializeSse, type McpCall } from '../../../lambdas/domain/mcp-gateway';
import { McpUpstreamUnavailableError, type McpUpstream, type McpUpstreamReply, type McpUpstreamRequest } from '../../../lambdas/ports/mcp-upstream';
import type { AgentRecord } from '../../../lambdas/ports/records';
import type { Policy } from '../../../sdk/protocol/schemas';
import { agentRecord } from '../../support/agent-record';
import { memoryRepository } from '../../support/memory-repository';

const agentWith = (policy: Policy): AgentRecord => agentRecord({ agentId: 'a1', policy });

const caller: Caller = { keyId: 'key_a', name: 'a1-key', role: 'agent', agentId: 'a1' };

/** An upstream at the port's edge: records what reached it, answers what the test says. */
const upstreamAnswering = (answer: (request: McpUpstreamRequest) => McpUpstreamReply | Error) => {
  const received: McpUpstreamRequest[] = [];
  const upstream: McpUpstream = {
    send: async (request) => {
      received.push(request);
      const reply = answer(request);
      if (reply instanceof Error) throw reply;
      return reply;
    },
  };
  return { upstream, received };
};

const json = (message: object, sessionId = 'sess-1'): McpUpstreamReply => ({ status: 200, contentType: 'application/json', sessionId, body: JSON.stringify(message) });

const setup = (policy: Policy, answer: (request: McpUpstreamRequest) => McpUpstreamReply | Error) => {
  const repository = memoryRepository({ agents: [agentWith(policy)] });
  const { upstream, received } = upstreamAnswering(answer);
  const ctx: DomainContext & { upstream: McpUpstream } = { repository, now: () => new Date('2026-12-02T09:30:00.000Z'), region: 'local-1', upstream };
  const call = (body: unknown): McpCall => ({
    agentId: 'a1',
    instanceId: 'mcp',
    server: { server: 'mail', url: 'http://127.0.0.1:9/mcp', headerNames: ['authorization'], costUsd: 0.01, updatedAt: '2026-12-02T09:00:00.000Z', updatedBy: 'ops' },
    headers: { authorization: 'Bearer provider-secret' },
    body,
  });
  const usage = async () => repository.getUsage('a1', '2026-12-02');
  return { ctx, received, call, usage, repository };
};

const toolsCall = (name: string, args: object = {}, meta?: object) => ({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name, arguments: args, ...(meta ? { _meta: meta } : {}) } });

describe('MCP gateway', () => {
  it('forwards an admitted tools/call with the registered headers, counted as an intent', async () => {
    const { ctx, received, call, usage } = setup({}, () => json({ jsonrpc: '2.0', id: 7, result: { content: [{ type: 'text', text: 'sent' }] } }));
    const reply = await handleMcpMessage(ctx, caller, call(toolsCall('send', { to: 'x@example.com' })));
    expect(JSON.parse(reply.body)).toEqual({ jsonrpc: '2.0', id: 7, result: { content: [{ type: 'text', text: 'sent' }] } });
    expect(reply.sessionId).toBe('sess-1');
    expect(received).toHaveLength(1);
    expect(received[0]?.headers).toEqual({ authorization: 'Bearer provider-secret' });
    expect(await usage()).toMatchObject({ intents: 1, costUsd: 0.01 });
  });

  it('refuses a denied or killed call as JSON-RPC -32003 with Halt\'s code, and never reaches the upstream', async () => {
    const { ctx, received, call, repository } = setup({ actions: { deny: ['mcp.mail.delete*'] } }, () => json({ jsonrpc: '2.0', id: 7, result: {} }));
    const denied = JSON.parse((await handleMcpMessage(ctx, caller, call(toolsCall('delete_all')))).body);
    expect(denied).toMatchObject({ id: 7, error: { code: MCP_REFUSED, data: { code: 'action_denied' } } });
    await repository.putFleetActions({ version: 1, killed: [{ action: 'mcp.mail.*', reason: 'provider leak', actor: 'ops', at: '2026-12-02T09:00:00.000Z' }] }, 0);
    const killed = JSON.parse((await handleMcpMessage(ctx, caller, call(toolsCall('send')))).body);
    expect(killed).toMatchObject({ error: { code: MCP_REFUSED, data: { code: 'action_killed' }, message: expect.stringContaining('provider leak') } });
    expect(received).toHaveLength(0);
  });

  it('holds a call that needs approval, with the approval in data, and admits it once approved via _meta', async () => {
    const { ctx, received, call, repository } = setup({ approval: { actions: ['mcp.mail.send_all'] } }, () => json({ jsonrpc: '2.0', id: 7, result: { content: [] } }));
    const held = JSON.parse((await handleMcpMessage(ctx, caller, call(toolsCall('send_all', { list: 'all' })))).body);
    expect(held.error).toMatchObject({ code: MCP_REFUSED, data: { code: 'approval_required', approval: { approvalId: expect.stringMatching(/^apr_/), status: 'pending' } } });
    const { approvalId } = held.error.data.approval;
    const approval = await repository.getApproval(approvalId);
    if (!approval) throw new Error('no approval stored');
    await repository.updateApproval({ ...approval, status: 'approved' }, 'pending');
    const admitted = JSON.parse((await handleMcpMessage(ctx, caller, call(toolsCall('send_all', { list: 'all' }, { 'halt/approvalId': approvalId })))).body);
    expect(admitted.result).toEqual({ content: [] });
    const again = JSON.parse((await handleMcpMessage(ctx, caller, call(toolsCall('send_all', { list: 'all' }, { 'halt/approvalId': approvalId })))).body);
    expect(again.error.data.code).toBe('approval_invalid');
    expect(received).toHaveLength(1);
  });

  it('leaves out of tools/list what the action lists deny or a fleet kill refuses, in JSON and in an event stream', async () => {
    const tools = { tools: [{ name: 'send' }, { name: 'delete_all' }, { name: 'export' }] };
    for (const contentType of ['application/json', 'text/event-stream']) {
      const { ctx, call, repository } = setup({ actions: { deny: ['mcp.mail.delete*'] } }, () => ({
        status: 200,
        contentType,
        body: contentType === 'application/json' ? JSON.stringify({ jsonrpc: '2.0', id: 3, result: tools }) : `event: message\nid: e1\ndata: ${JSON.stringify({ jsonrpc: '2.0', id: 3, result: tools })}\n\n`,
      }));
      await repository.putFleetActions({ version: 1, killed: [{ action: 'mcp.*.export', reason: 'no exports', actor: 'ops', at: '2026-12-02T09:00:00.000Z' }] }, 0);
      const reply = await handleMcpMessage(ctx, caller, call({ jsonrpc: '2.0', id: 3, method: 'tools/list' }));
      const message = contentType === 'application/json' ? JSON.parse(reply.body) : JSON.parse(parseSse(reply.body)[0]?.data ?? 'null');
      expect(message.result.tools.map((t: { name: string }) => t.name)).toEqual(['send']);
      expect(reply.contentType).toBe(contentType);
    }
  });

  it('answers an upstream that is down with a clear error and takes the call back off the budget', async () => {
    const { ctx, call, usage } = setup({}, () => new McpUpstreamUnavailableError('connect ECONNREFUSED 127.0.0.1:9'));
    const reply = JSON.parse((await handleMcpMessage(ctx, caller, call(toolsCall('send')))).body);
    expect(reply.error).toMatchObject({ code: MCP_UPSTREAM_ERROR, data: { code: 'upstream_unavailable' }, message: expect.stringContaining('"mail" did not answer') });
    expect(await usage()).toMatchObject({ intents: 0, costUsd: 0 });
  });

  it('answers an upstream that answers garbage with a clear error', async () => {
    const { ctx, call } = setup({}, () => ({ status: 200, contentType: 'text/html', body: '<h1>502 Bad Gateway</h1>' }));
    const reply = JSON.parse((await handleMcpMessage(ctx, caller, call(toolsCall('send')))).body);
    expect(reply.error).toMatchObject({ code: MCP_UPSTREAM_ERROR, data: { code: 'upstream_invalid' } });
  });

  it('relays other methods and notifications as they are, and refuses what is not one JSON-RPC message', async () => {
    const { ctx, received, call } = setup({}, (request) => (JSON.parse(request.body).id === undefined ? { status: 202, body: '' } : json({ jsonrpc: '2.0', id: 1, result: { protocolVersion: '2025-06-18' } })));
    expect(JSON.parse((await handleMcpMessage(ctx, caller, call({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }))).body).result).toEqual({ protocolVersion: '2025-06-18' });
    expect((await handleMcpMessage(ctx, caller, call({ jsonrpc: '2.0', method: 'notifications/initialized' }))).status).toBe(202);
    expect(received.map((r) => JSON.parse(r.body).method)).toEqual(['initialize', 'notifications/initialized']);
    expect((await handleMcpMessage(ctx, caller, call([{ jsonrpc: '2.0', id: 1, method: 'ping' }]))).status).toBe(400);
    expect((await handleMcpMessage(ctx, caller, call({ id: 1, method: 'ping' }))).status).toBe(400);
    expect(JSON.parse((await handleMcpMessage(ctx, caller, call({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: {} }))).body).error.code).toBe(-32602);
  });

  it('in shadow mode forwards what the policy would refuse and tells the client in _meta', async () => {
    const { ctx, received, call } = setup({ mode: 'shadow', actions: { deny: ['mcp.mail.delete*'] } }, () => json({ jsonrpc: '2.0', id: 7, result: { content: [] } }));
    const reply = JSON.parse((await handleMcpMessage(ctx, caller, call(toolsCall('delete_all')))).body);
    expect(reply.result).toEqual({ content: [], _meta: { 'halt/wouldRefuse': { code: 'action_denied', message: expect.stringContaining('shadow mode') } } });
    expect(received).toHaveLength(1);
  });

  it('round-trips an event stream', () => {
    const text = 'event: message\nid: 1\ndata: {"a":1}\n\n: keep-alive\n\nid: 2\ndata: line1\ndata: line2\n\n';
    expect(parseSse(text).map((e) => e.data)).toEqual(['{"a":1}', 'line1\nline2']);
    expect(parseSse(serializeSse(parseSse(text)))).toEqual(parseSse(text));
  });
});
