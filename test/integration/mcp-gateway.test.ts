/**
 * The MCP gateway end to end with the official MCP SDK on both sides (Streamable HTTP): an
 * upstream McpServer that only answers callers holding its key, and an MCP Client that holds
 * only the agent's Halt key. List, call, deny, kill mid-session, resume, a wrong key, an
 * upstream that is down, an upstream answering garbage; header values never come back.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LOCAL_STATE_TABLE } from '../../infra/local/local-region';
import { startMailServer, type MailServer } from '../../bench/mcp-mail-server';
import { useTestRuntime, waitFor, type TestRuntime } from '../support/local-runtime';

const PROVIDER_KEY = 'Bearer provider-secret-7f3a';

describe('MCP gateway (official MCP SDK client and server, local runtime)', () => {
  const runtime = useTestRuntime();
  let t: TestRuntime;
  let upstream: MailServer;
  let agentKey: string;
  const clients: Client[] = [];

  const connect = async (key: string, server = 'mail'): Promise<Client> => {
    const client = new Client({ name: 'campaign-agent', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(`${t.runtime.restUrl}/mcp/campaign/${server}`), {
      requestInit: { headers: { authorization: `Bearer ${key}`, 'x-halt-instance-id': 'i-1' } },
    });
    await client.connect(transport);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    t = runtime();
    upstream = await startMailServer({ key: PROVIDER_KEY });
    agentKey = (await t.api('POST', '/v1/agents', { body: { agentId: 'campaign', policy: { actions: { deny: ['mcp.mail.delete*'] } } } })).body.agentKey;
    const registered = await t.api('PUT', '/v1/mcp-servers/mail', { body: { url: upstream.url, headers: { Authorization: PROVIDER_KEY }, costUsd: 0.001 } });
    expect(registered.status).toBe(200);
    expect(registered.body).toEqual({ server: 'mail', url: upstream.url, headerNames: ['Authorization'], costUsd: 0.001 });
  });

  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => undefined);
    await upstream?.close();
  });

  it('never returns the header values, and stores them encrypted', async () => {
    const listed = await t.api('GET', '/v1/mcp-servers');
    expect(JSON.stringify(listed.body)).not.toContain('provider-secret');
    expect(listed.body.servers).toEqual([{ server: 'mail', url: upstream.url, headerNames: ['Authorization'], costUsd: 0.001 }]);
    const region = t.runtime.regions[0];
    if (!region) throw new Error('no region');
    const dynamo = new DynamoDBClient({ region: 'local-1', endpoint: region.engine.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const { Item } = await dynamo.send(new GetItemCommand({ TableName: LOCAL_STATE_TABLE, Key: { pk: { S: 'MCPSERVER#mail' }, sk: { S: 'MCPSERVER' } } }));
    dynamo.destroy();
    expect(Item?.headersCiphertext?.S).toEqual(expect.any(String));
    expect(JSON.stringify(Item)).not.toContain('provider-secret');
  });

  it('lists the tools the agent may call, forwards an admitted call with the provider key it never held, and counts it', async () => {
    const client = await connect(agentKey);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(['send_email', 'send_all']);
    const result = await client.callTool({ name: 'send_email', arguments: { to: 'ada@example.com', subject: 'Spring sale' } });
    expect(result.content).toEqual([{ type: 'text', text: 'sent to ada@example.com' }]);
    expect(upstream.sent).toEqual(['ada@example.com: Spring sale']);
    expect((await t.api('GET', '/v1/agents/campaign')).body).toMatchObject({ intentsToday: 1, costTodayUsd: 0.001 });
  });

  it('refuses a denied tool as JSON-RPC -32003 with Halt\'s code, and the upstream never sees it', async () => {
    const client = await connect(agentKey);
    await expect(client.callTool({ name: 'delete_all', arguments: {} })).rejects.toMatchObject({ code: -32003, data: { code: 'action_denied' } });
    expect(upstream.sent).not.toContain('DELETED EVERYTHING');
  });

  it('stops a session when the agent is killed, and lets it go on after resume', async () => {
    const client = await connect(agentKey);
    await client.callTool({ name: 'send_email', arguments: { to: 'bob@example.com', subject: 'one' } });
    await t.api('POST', '/v1/agents/campaign/kill', { body: { reason: 'template breaks the law' } });
    await expect(client.callTool({ name: 'send_email', arguments: { to: 'cy@example.com', subject: 'two' } })).rejects.toMatchObject({
      code: -32003,
      data: { code: 'agent_killed' },
      message: expect.stringContaining('template breaks the law'),
    });
    expect(upstream.sent).not.toContain('cy@example.com: two');
    await t.api('POST', '/v1/agents/campaign/resume', { body: { reason: 'fixed' } });
    await client.callTool({ name: 'send_email', arguments: { to: 'cy@example.com', subject: 'two' } });
    expect(upstream.sent).toContain('cy@example.com: two');
  });

  it('cancels a long call upstream when the agent is killed while it runs', async () => {
    const client = await connect(agentKey);
    const call = client.callTool({ name: 'send_all', arguments: {} });
    call.catch(() => undefined);
    await waitFor(() => upstream.sent.includes('send_all started'), { what: 'the long call running upstream' });
    await t.api('POST', '/v1/agents/campaign/kill', { body: { reason: 'stop the blast' } });
    await expect(call).rejects.toMatchObject({ code: -32003, data: { code: 'agent_killed' } });
    // The tool saw its call cancelled, so it never sent (it records one or the other).
    await waitFor(() => upstream.sent.includes('send_all cancelled'), { what: 'the upstream call cancelled', ceilingMs: 10_000 });
    expect(upstream.sent).not.toContain('SENT ALL');
    await t.api('POST', '/v1/agents/campaign/resume', { body: { reason: 'blast stopped' } });
  });

  it('refuses another agent\'s key and no key at all', async () => {
    const otherKey = (await t.api('POST', '/v1/agents', { body: { agentId: 'intruder' } })).body.agentKey;
    await expect(connect(otherKey)).rejects.toThrow(/403|forbidden/i);
    await expect(connect('halt_not-a-real-key')).rejects.toThrow(/401|unauthorized/i);
  });

  it('answers an upstream that is down with a clear error and counts nothing', async () => {
    await t.api('PUT', '/v1/mcp-servers/down', { body: { url: 'http://127.0.0.1:9/mcp' } });
    const before = (await t.api('GET', '/v1/agents/campaign')).body.intentsToday;
    const raw = await t.api('POST', '/v1/mcp/campaign/down', { key: agentKey, body: { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'send_email', arguments: {} } } });
    expect(raw.body.error).toMatchObject({ code: -32004, data: { code: 'upstream_unavailable' }, message: expect.stringContaining('"down" did not answer') });
    expect((await t.api('GET', '/v1/agents/campaign')).body.intentsToday).toBe(before);
  });

  it('answers an upstream that answers garbage with a clear error', async () => {
    const garbage = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>hello</h1>'));
    await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', resolve));
    try {
      await t.api('PUT', '/v1/mcp-servers/garbage', { body: { url: `http://127.0.0.1:${(garbage.address() as AddressInfo).port}/mcp` } });
      const raw = await t.api('POST', '/v1/mcp/campaign/garbage', { key: agentKey, body: { jsonrpc: '2.0', id: 2, method: 'tools/list' } });
      expect(raw.body.error).toMatchObject({ code: -32004, data: { code: 'upstream_invalid' } });
    } finally {
      await new Promise<void>((resolve) => garbage.close(() => resolve()));
    }
  });

  it('refuses bad registrations by name', async () => {
    const cases: [object, RegExp][] = [
      [{ url: 'ftp://example.com/mcp' }, /url/],
      [{ url: 'https://user:pw@example.com/mcp' }, /url/],
      [{ url: 'https://example.com/mcp', headers: { 'Mcp-Session-Id': 'x' } }, /headers\.Mcp-Session-Id/],
      [{ url: 'https://example.com/mcp', headers: { 'Bad Header': 'x' } }, /headers\.Bad Header: is not an HTTP header name/],
      [{ url: 'https://example.com/mcp', headers: { Authorization: 'a\nb' } }, /one line/],
    ];
    for (const [body, message] of cases) {
      const res = await t.api('PUT', '/v1/mcp-servers/bad', { body });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(message);
    }
    expect((await t.api('DELETE', '/v1/mcp-servers/never')).status).toBe(404);
    expect((await t.api('POST', '/v1/mcp/campaign/never', { key: agentKey, body: { jsonrpc: '2.0', id: 1, method: 'ping' } })).status).toBe(404);
  });
});
