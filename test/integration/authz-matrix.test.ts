/**
 * The authorization matrix: every REST route called by every kind of caller, each answer
 * checked against the table below (written from API.md, not read from the code's own access
 * rules). A refused call changes nothing; zero unexpected successes.
 */
import { ROUTES, type RouteId } from '../../lambdas/edge/route-table';
import { startTestRuntime, type ApiResponse, type TestRuntime } from '../support/local-runtime';

type Caller = 'none' | 'malformed' | 'revoked' | 'viewer' | 'ownAgent' | 'otherAgent' | 'operator';
const CALLERS: readonly Caller[] = ['none', 'malformed', 'revoked', 'viewer', 'ownAgent', 'otherAgent', 'operator'];

/** Who may call each route (API.md "Auth" and the route list). The rest must be refused. */
const ALLOWED: Record<RouteId, readonly Caller[]> = {
  health: CALLERS,
  openapi: CALLERS,
  createAgent: ['operator'],
  listAgents: ['viewer', 'operator'],
  getAgent: ['viewer', 'ownAgent', 'operator'],
  getUsage: ['viewer', 'ownAgent', 'operator'],
  deleteAgent: ['operator'],
  killAgent: ['operator'],
  pauseAgent: ['operator'],
  resumeAgent: ['operator'],
  bulkKill: ['operator'],
  bulkPause: ['operator'],
  bulkResume: ['operator'],
  putPolicy: ['operator'],
  heartbeat: ['ownAgent', 'operator'],
  submitIntent: ['ownAgent', 'operator'],
  putCheckpoint: ['ownAgent', 'operator'],
  getCheckpoint: ['viewer', 'ownAgent', 'operator'],
  listCheckpoints: ['viewer', 'ownAgent', 'operator'],
  createKey: ['operator'],
  listKeys: ['operator'],
  deleteKey: ['operator'],
  listApprovals: ['viewer', 'operator'],
  getApproval: ['viewer', 'operator'],
  approveApproval: ['operator'],
  denyApproval: ['operator'],
  killAction: ['operator'],
  resumeAction: ['operator'],
  listActions: ['viewer', 'operator'],
  putMcpServer: ['operator'],
  listMcpServers: ['viewer', 'operator'],
  deleteMcpServer: ['operator'],
  mcpEndpoint: ['ownAgent', 'operator'],
  listAudit: ['viewer', 'operator'],
  verifyAudit: ['viewer', 'operator'],
  listFailedBatches: ['operator'],
  replayFailedBatches: ['operator'],
  doctorEvents: ['operator'],
};

/** A well-formed call of each route against agent `mine` (so only the caller decides). */
const CALLS: Record<RouteId, { path: string; body?: unknown }> = {
  health: { path: '/v1/health' },
  openapi: { path: '/v1/openapi.json' },
  createAgent: { path: '/v1/agents', body: { agentId: 'made-by-matrix' } },
  listAgents: { path: '/v1/agents' },
  getAgent: { path: '/v1/agents/mine' },
  getUsage: { path: '/v1/agents/mine/usage' },
  deleteAgent: { path: '/v1/agents/mine' },
  killAgent: { path: '/v1/agents/mine/kill', body: { reason: 'matrix' } },
  pauseAgent: { path: '/v1/agents/mine/pause', body: { reason: 'matrix' } },
  resumeAgent: { path: '/v1/agents/mine/resume', body: { reason: 'matrix' } },
  bulkKill: { path: '/v1/kill', body: { reason: 'matrix', tags: ['matrix'] } },
  bulkPause: { path: '/v1/pause', body: { reason: 'matrix', tags: ['matrix'] } },
  bulkResume: { path: '/v1/resume', body: { reason: 'matrix', tags: ['matrix'] } },
  putPolicy: { path: '/v1/agents/mine/policy', body: { policy: { failMode: 'closed' } } },
  heartbeat: { path: '/v1/agents/mine/heartbeat', body: { instanceId: 'i-1' } },
  submitIntent: { path: '/v1/agents/mine/intents', body: { instanceId: 'i-1', action: 'email.send' } },
  putCheckpoint: { path: '/v1/agents/mine/checkpoints/c1', body: { data: { next: 1 } } },
  getCheckpoint: { path: '/v1/agents/mine/checkpoints/c1' },
  listCheckpoints: { path: '/v1/agents/mine/checkpoints' },
  createKey: { path: '/v1/keys', body: { name: 'matrix-made', role: 'viewer' } },
  listKeys: { path: '/v1/keys' },
  deleteKey: { path: '/v1/keys/KEYID' },
  listApprovals: { path: '/v1/approvals?agentId=mine' },
  getApproval: { path: '/v1/approvals/apr_000000000000000000000000' },
  approveApproval: { path: '/v1/approvals/apr_000000000000000000000000/approve', body: { reason: 'matrix' } },
  denyApproval: { path: '/v1/approvals/apr_000000000000000000000000/deny', body: { reason: 'matrix' } },
  killAction: { path: '/v1/actions/kill', body: { action: 'matrix.never', reason: 'matrix' } },
  resumeAction: { path: '/v1/actions/resume', body: { action: 'matrix.never', reason: 'matrix' } },
  listActions: { path: '/v1/actions' },
  putMcpServer: { path: '/v1/mcp-servers/matrix', body: { url: 'http://127.0.0.1:9/mcp', headers: { Authorization: 'Bearer upstream' } } },
  listMcpServers: { path: '/v1/mcp-servers' },
  // (no server of that name: an admitted caller gets 404, never 401 or 403)
  mcpEndpoint: { path: '/v1/mcp/mine/nowhere', body: { jsonrpc: '2.0', id: 1, method: 'ping' } },
  deleteMcpServer: { path: '/v1/mcp-servers/matrix' },
  listAudit: { path: '/v1/audit?agentId=mine' },
  verifyAudit: { path: '/v1/audit/verify?agentId=mine' },
  listFailedBatches: { path: '/v1/failed-batches' },
  replayFailedBatches: { path: '/v1/failed-batches/replay' },
  doctorEvents: { path: '/v1/doctor/halt-doctor-matrix/events' },
};

describe('authorization matrix (local runtime)', () => {
  let t: TestRuntime;
  const keys = {} as Record<Caller, string | null>;
  let spareKeyId: string;

  beforeAll(async () => {
    t = await startTestRuntime();
    keys.none = null;
    keys.malformed = 'Bearer-but-not-a-halt-key';
    keys.operator = t.operatorKey;
    keys.ownAgent = (await t.api('POST', '/v1/agents', { body: { agentId: 'mine', tags: ['matrix'] } })).body.agentKey;
    keys.otherAgent = (await t.api('POST', '/v1/agents', { body: { agentId: 'theirs' } })).body.agentKey;
    keys.viewer = (await t.api('POST', '/v1/keys', { body: { name: 'matrix-viewer', role: 'viewer' } })).body.key;
    const revoked = await t.api('POST', '/v1/keys', { body: { name: 'matrix-revoked', role: 'operator' } });
    keys.revoked = revoked.body.key;
    expect((await t.api('DELETE', `/v1/keys/${revoked.body.keyId}`)).status).toBe(204);
    spareKeyId = (await t.api('POST', '/v1/keys', { body: { name: 'matrix-spare', role: 'viewer' } })).body.keyId;
  });

  afterAll(async () => {
    await t?.dispose();
  });

  const call = (id: RouteId, caller: Caller): Promise<ApiResponse> => {
    const route = ROUTES[id];
    const { path, body } = CALLS[id];
    return t.api(route.method, path.replace('KEYID', spareKeyId), { key: keys[caller], ...(body !== undefined ? { body } : {}) });
  };

  /** What the table holds, read with the operator key: agents, versions, keys, checkpoints, audit. */
  const snapshot = async () => ({
    agents: (await t.api('GET', '/v1/agents')).body.agents.map((a: { agentId: string; version: number; status: string; policy: unknown }) => [
      a.agentId,
      a.version,
      a.status,
      a.policy,
    ]),
    keys: (await t.api('GET', '/v1/keys')).body.keys.map((k: { keyId: string }) => k.keyId).sort(),
    checkpoints: (await t.api('GET', '/v1/agents/mine/checkpoints')).body,
    audit: (await t.api('GET', '/v1/audit?agentId=mine')).body.events.length,
    killedActions: (await t.api('GET', '/v1/actions')).body.killed,
    approvals: (await t.api('GET', '/v1/approvals')).body.approvals.length,
    mcpServers: (await t.api('GET', '/v1/mcp-servers')).body.servers,
  });

  it('covers every route of the route table', () => {
    expect(Object.keys(ALLOWED).sort()).toEqual(Object.keys(ROUTES).sort());
  });

  it('refuses every caller the table does not allow (401 without a valid key, 403 otherwise), changing nothing', async () => {
    const before = await snapshot();
    const unexpected: string[] = [];
    for (const id of Object.keys(ROUTES) as RouteId[]) {
      for (const caller of CALLERS.filter((c) => !ALLOWED[id].includes(c))) {
        const res = await call(id, caller);
        const expected = caller === 'none' || caller === 'malformed' || caller === 'revoked' ? 401 : 403;
        if (res.status !== expected) unexpected.push(`${id} as ${caller}: ${res.status}, expected ${expected}`);
        else if (typeof res.body?.error?.message !== 'string' || res.body.error.message === '') unexpected.push(`${id} as ${caller}: no message`);
      }
    }
    expect(unexpected).toEqual([]);
    expect(await snapshot()).toEqual(before);
  });

  it('admits every caller the table allows (destructive routes last)', async () => {
    const last: RouteId[] = ['deleteKey', 'deleteAgent'];
    const order = [...(Object.keys(ROUTES) as RouteId[]).filter((id) => !last.includes(id)), ...last];
    const refused: string[] = [];
    for (const id of order) {
      for (const caller of ALLOWED[id]) {
        const res = await call(id, caller);
        // allowed callers get an answer about the request, never about the key
        if (res.status === 401 || res.status === 403 || res.status >= 500) refused.push(`${id} as ${caller}: ${res.status} ${JSON.stringify(res.body?.error)}`);
        if (id === 'resumeAgent' || id === 'bulkResume') expect(res.status).toBe(200);
      }
    }
    expect(refused).toEqual([]);
  });
});
