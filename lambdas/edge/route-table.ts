/**
 * Every REST route of the public API, with who may call it and which entry file serves it.
 * The authorizer, the handlers, the local gateway and the CDK stack all read this one table.
 */
import {
  OPERATOR_AND_OWN_AGENT,
  OPERATOR_ONLY,
  PUBLIC,
  READERS,
  READERS_AND_OWN_AGENT,
  type RouteAccess,
} from '../domain/access';
import { leadingKeys } from '../adapters/dynamo/table-schema';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** Item writes a route makes, for the narrowest IAM grant: actions on partition-key prefixes. */
export interface RouteWrites {
  readonly actions: readonly ('dynamodb:PutItem' | 'dynamodb:UpdateItem' | 'dynamodb:DeleteItem' | 'dynamodb:BatchWriteItem')[];
  readonly prefixes: readonly string[];
  /**
   * The route may change agent items (by hand, or a policy's automatic stop): those writes go
   * to the write region, and a change is confirmed in every region, so its grants (reads and
   * these writes) cover every region's replica of the state table.
   */
  readonly everyRegion?: boolean;
}

export interface RouteDefinition {
  readonly method: HttpMethod;
  /** API Gateway resource path, parameters in braces. */
  readonly path: string;
  readonly access: RouteAccess;
  /** Entry file (relative to `lambdas/`) exporting `handler`. */
  readonly entry: string;
  /** What the route writes in the state table (none: read-only). */
  readonly writes?: RouteWrites;
  /** The route pushes to WebSocket connections. */
  readonly connections?: 'push';
  /**
   * The route puts events on the bus itself (`BudgetBreached`, when a call trips a budget);
   * the stack grants `events:PutEvents` on the region's bus from this, and only this.
   */
  readonly publishes?: true;
  /**
   * The function's size, where the default (256 MB, 10 s) is too small: bulk changes run up to
   * API Gateway's 29 s integration timeout, and answer what they did not reach in time.
   */
  readonly fn?: { readonly memoryMb: number; readonly timeoutSeconds: number };
  /**
   * The consumer's failed stream batches (its S3 on-failure destination): `read` lists them,
   * `replay` also hands them to the consumer again and removes them once through.
   */
  readonly failedBatches?: 'read' | 'replay';
  /** The route encrypts or decrypts MCP server headers with the stack's key (`HALT_MCP_KEY_ID`). */
  readonly mcpHeaders?: 'encrypt' | 'decrypt';
}

/** Bulk changes: as long as API Gateway waits (29 s), with the CPU of 1 GB for the pushes. */
const BULK_FUNCTION = { memoryMb: 1024, timeoutSeconds: 29 } as const;

/**
 * The REST stage's throttle. API Gateway applies a stage's limits to **each method** on its
 * own (a bucket per method, not one for the stage), so agents saturating their routes leave
 * `POST /kill` its own 200 a second
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html).
 * What every route does share is the account's 10,000 a second per region, with WebSocket
 * callbacks (the pushes) too. The stack sets it; the local gateway enforces it the same way.
 */
export const REST_STAGE_THROTTLE = { rateLimit: 200, burstLimit: 400 } as const;

const AGENT_UPDATES: RouteWrites = { actions: ['dynamodb:UpdateItem'], prefixes: leadingKeys('agent'), everyRegion: true };
/**
 * Approvals: the approval item, its open copy under the agent and the approval event on the
 * agent item, in one transaction in the write region.
 */
const APPROVAL_WRITES: RouteWrites = {
  actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
  prefixes: leadingKeys('agent', 'approval'),
  everyRegion: true,
};
/** The fleet's killed actions: one item, written in the write region, confirmed in every region. */
const FLEET_WRITES: RouteWrites = { actions: ['dynamodb:PutItem'], prefixes: leadingKeys('fleet'), everyRegion: true };
/** An agent is created and deleted with its tag entries and its key's two items. */
const AGENT_AND_KEY_ITEMS = leadingKeys('agent', 'tag', 'keyByHash', 'keyById');

export const ROUTES = {
  health: { method: 'GET', path: '/v1/health', access: PUBLIC, entry: 'health/health.ts' },
  openapi: { method: 'GET', path: '/v1/openapi.json', access: PUBLIC, entry: 'openapi/get-openapi.ts' },
  createAgent: { method: 'POST', path: '/v1/agents', access: OPERATOR_ONLY, entry: 'agents/create-agent.ts', writes: { actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'], prefixes: AGENT_AND_KEY_ITEMS, everyRegion: true } },
  listAgents: { method: 'GET', path: '/v1/agents', access: READERS, entry: 'agents/list-agents.ts' },
  getAgent: { method: 'GET', path: '/v1/agents/{agentId}', access: READERS_AND_OWN_AGENT, entry: 'agents/get-agent.ts' },
  getUsage: { method: 'GET', path: '/v1/agents/{agentId}/usage', access: READERS_AND_OWN_AGENT, entry: 'agents/get-usage.ts' },
  deleteAgent: { method: 'DELETE', path: '/v1/agents/{agentId}', access: OPERATOR_ONLY, entry: 'agents/delete-agent.ts', writes: { actions: ['dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'], prefixes: AGENT_AND_KEY_ITEMS, everyRegion: true } },
  killAgent: { method: 'POST', path: '/v1/agents/{agentId}/kill', access: OPERATOR_ONLY, entry: 'control/kill-agent.ts', writes: AGENT_UPDATES, connections: 'push' },
  pauseAgent: { method: 'POST', path: '/v1/agents/{agentId}/pause', access: OPERATOR_ONLY, entry: 'control/pause-agent.ts', writes: AGENT_UPDATES, connections: 'push' },
  resumeAgent: { method: 'POST', path: '/v1/agents/{agentId}/resume', access: OPERATOR_ONLY, entry: 'control/resume-agent.ts', writes: AGENT_UPDATES, connections: 'push' },
  bulkKill: { method: 'POST', path: '/v1/kill', access: OPERATOR_ONLY, entry: 'control/bulk-kill.ts', writes: AGENT_UPDATES, connections: 'push', fn: BULK_FUNCTION },
  bulkPause: { method: 'POST', path: '/v1/pause', access: OPERATOR_ONLY, entry: 'control/bulk-pause.ts', writes: AGENT_UPDATES, connections: 'push', fn: BULK_FUNCTION },
  bulkResume: { method: 'POST', path: '/v1/resume', access: OPERATOR_ONLY, entry: 'control/bulk-resume.ts', writes: AGENT_UPDATES, connections: 'push', fn: BULK_FUNCTION },
  putPolicy: { method: 'PUT', path: '/v1/agents/{agentId}/policy', access: OPERATOR_ONLY, entry: 'control/put-policy.ts', writes: AGENT_UPDATES },
  // A heartbeat's metrics can trip a policy that kills or pauses the agent: it pushes, like a kill.
  heartbeat: {
    method: 'POST',
    path: '/v1/agents/{agentId}/heartbeat',
    access: OPERATOR_AND_OWN_AGENT,
    entry: 'heartbeat/heartbeat.ts',
    writes: AGENT_UPDATES,
    connections: 'push',
    // reported cost can breach the budget
    publishes: true,
  },
  submitIntent: {
    method: 'POST',
    path: '/v1/agents/{agentId}/intents',
    access: OPERATOR_AND_OWN_AGENT,
    entry: 'intents/submit-intent.ts',
    // A budget breach's automatic stop, and approvals asked for and used.
    writes: APPROVAL_WRITES,
    connections: 'push',
    publishes: true,
  },
  putCheckpoint: {
    method: 'PUT',
    path: '/v1/agents/{agentId}/checkpoints/{name}',
    access: OPERATOR_AND_OWN_AGENT,
    entry: 'checkpoints/put-checkpoint.ts',
    writes: { actions: ['dynamodb:PutItem'], prefixes: leadingKeys('agent') },
  },
  getCheckpoint: {
    method: 'GET',
    path: '/v1/agents/{agentId}/checkpoints/{name}',
    access: READERS_AND_OWN_AGENT,
    entry: 'checkpoints/get-checkpoint.ts',
  },
  listCheckpoints: {
    method: 'GET',
    path: '/v1/agents/{agentId}/checkpoints',
    access: READERS_AND_OWN_AGENT,
    entry: 'checkpoints/list-checkpoints.ts',
  },
  createKey: { method: 'POST', path: '/v1/keys', access: OPERATOR_ONLY, entry: 'keys/create-key.ts', writes: { actions: ['dynamodb:PutItem'], prefixes: leadingKeys('keyByHash', 'keyById') } },
  listKeys: { method: 'GET', path: '/v1/keys', access: OPERATOR_ONLY, entry: 'keys/list-keys.ts' },
  deleteKey: { method: 'DELETE', path: '/v1/keys/{keyId}', access: OPERATOR_ONLY, entry: 'keys/delete-key.ts', writes: { actions: ['dynamodb:DeleteItem'], prefixes: leadingKeys('keyByHash', 'keyById') } },
  listApprovals: { method: 'GET', path: '/v1/approvals', access: READERS, entry: 'approvals/list-approvals.ts' },
  getApproval: { method: 'GET', path: '/v1/approvals/{approvalId}', access: READERS, entry: 'approvals/get-approval.ts' },
  approveApproval: { method: 'POST', path: '/v1/approvals/{approvalId}/approve', access: OPERATOR_ONLY, entry: 'approvals/approve-approval.ts', writes: APPROVAL_WRITES },
  denyApproval: { method: 'POST', path: '/v1/approvals/{approvalId}/deny', access: OPERATOR_ONLY, entry: 'approvals/deny-approval.ts', writes: APPROVAL_WRITES },
  killAction: { method: 'POST', path: '/v1/actions/kill', access: OPERATOR_ONLY, entry: 'actions/kill-action.ts', writes: FLEET_WRITES },
  resumeAction: { method: 'POST', path: '/v1/actions/resume', access: OPERATOR_ONLY, entry: 'actions/resume-action.ts', writes: FLEET_WRITES },
  listActions: { method: 'GET', path: '/v1/actions', access: READERS, entry: 'actions/list-actions.ts' },
  putMcpServer: { method: 'PUT', path: '/v1/mcp-servers/{server}', access: OPERATOR_ONLY, entry: 'mcp/put-mcp-server.ts', writes: { actions: ['dynamodb:PutItem'], prefixes: leadingKeys('mcpServer') }, mcpHeaders: 'encrypt' },
  listMcpServers: { method: 'GET', path: '/v1/mcp-servers', access: READERS, entry: 'mcp/list-mcp-servers.ts' },
  deleteMcpServer: { method: 'DELETE', path: '/v1/mcp-servers/{server}', access: OPERATOR_ONLY, entry: 'mcp/delete-mcp-server.ts', writes: { actions: ['dynamodb:DeleteItem'], prefixes: leadingKeys('mcpServer') } },
  // A tools/call is an intent: its writes (budget breach, approvals) and pushes are the intents route's.
  mcpEndpoint: {
    method: 'POST',
    path: '/v1/mcp/{agentId}/{server}',
    access: OPERATOR_AND_OWN_AGENT,
    entry: 'mcp/mcp-endpoint.ts',
    writes: APPROVAL_WRITES,
    connections: 'push',
    publishes: true,
    mcpHeaders: 'decrypt',
    fn: { memoryMb: 512, timeoutSeconds: 29 },
  },
  listAudit: { method: 'GET', path: '/v1/audit', access: READERS, entry: 'audit/list-audit.ts' },
  verifyAudit: { method: 'GET', path: '/v1/audit/verify', access: READERS, entry: 'audit/verify-audit.ts' },
  listFailedBatches: { method: 'GET', path: '/v1/failed-batches', access: OPERATOR_ONLY, entry: 'replay/list-failed-batches.ts', failedBatches: 'read' },
  doctorEvents: { method: 'GET', path: '/v1/doctor/{agentId}/events', access: OPERATOR_ONLY, entry: 'doctor/list-doctor-events.ts' },
  replayFailedBatches: { method: 'POST', path: '/v1/failed-batches/replay', access: OPERATOR_ONLY, entry: 'replay/replay-failed-batches.ts', failedBatches: 'replay', fn: BULK_FUNCTION },
} as const satisfies Record<string, RouteDefinition>;

export type RouteId = keyof typeof ROUTES;

/** The route serving `method` on the API Gateway resource path `resource`, if any. */
export const routeForResource = (method: string, resource: string): [RouteId, RouteDefinition] | undefined =>
  (Object.entries(ROUTES) as [RouteId, RouteDefinition][]).find(([, r]) => r.method === method && r.path === resource);

/** Match a concrete path (`/v1/agents/a1/kill`) to a route and its path parameters. */
export const matchRoute = (
  method: string,
  path: string,
): { id: RouteId; route: RouteDefinition; pathParameters: Record<string, string> } | { methodNotAllowed: boolean } => {
  const segments = path.split('/');
  let pathExists = false;
  for (const [id, route] of Object.entries(ROUTES) as [RouteId, RouteDefinition][]) {
    const pattern = route.path.split('/');
    if (pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const matches = pattern.every((part, i) => {
      const segment = segments[i] ?? '';
      if (part.startsWith('{') && part.endsWith('}')) {
        if (segment === '') return false;
        try {
          params[part.slice(1, -1)] = decodeURIComponent(segment);
        } catch {
          params[part.slice(1, -1)] = segment;
        }
        return true;
      }
      return part === segment;
    });
    if (!matches) continue;
    pathExists = true;
    if (route.method === method) return { id, route, pathParameters: params };
  }
  return { methodNotAllowed: pathExists };
};
