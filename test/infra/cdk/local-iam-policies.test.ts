/**
 * The local runtime runs each handler with the policy the stack synthesizes for its function:
 * the file it reads must be what the stack synthesizes today, and cover every function.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractFunctionPolicies } from '../../../infra/local/iam/extract-policies';
import { FUNCTION_IDS, restFunctionId, socketFunctionId } from '../../../infra/function-ids';
import { ROUTES, type RouteId } from '../../../lambdas/edge/route-table';
import { SOCKET_ROUTES, type SocketRouteDefinition } from '../../../lambdas/edge/websocket/socket-routes';

describe('local IAM policies', () => {
  const extracted = extractFunctionPolicies();

  it('are the ones the stack synthesizes (run `npm run local-iam` after changing a grant)', () => {
    const committed: unknown = JSON.parse(readFileSync(join(__dirname, '../../../infra/local/iam/function-policies.json'), 'utf8'));
    expect(committed).toEqual(extracted);
  });

  it('name exactly the functions the local runtime runs', () => {
    const local = [
      ...(Object.keys(ROUTES) as RouteId[]).map(restFunctionId),
      ...(Object.values(SOCKET_ROUTES) as SocketRouteDefinition[]).filter((r) => r.entry).map(socketFunctionId),
      ...Object.values(FUNCTION_IDS),
    ].sort();
    expect(Object.keys(extracted.functions).sort()).toEqual(local);
  });

  it('grant the bus only to the functions that publish themselves', () => {
    const publishers = Object.entries(extracted.functions)
      .filter(([, statements]) => statements.some((s) => s.actions.includes('events:PutEvents')))
      .map(([id]) => id)
      .sort();
    expect(publishers).toEqual(['Pipeline/Consumer', 'Rest/Heartbeat', 'Rest/McpEndpoint', 'Rest/SubmitIntent', 'Sweep/Sweeper', 'WebSocket/Heartbeat']);
  });
});
