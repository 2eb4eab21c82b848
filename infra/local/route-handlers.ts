/** Every REST route's handler factory, by route id: what the local gateway hosts. */
import type { DependencyProvider } from '../../lambdas/config/dependencies';
import type { RestHandler } from '../../lambdas/http/define-route';
import type { RouteId } from '../../lambdas/route-table';
import { createAgentRoute } from '../../lambdas/agents/create-agent';
import { deleteAgentRoute } from '../../lambdas/agents/delete-agent';
import { getAgentRoute } from '../../lambdas/agents/get-agent';
import { listAgentsRoute } from '../../lambdas/agents/list-agents';
import { listAuditRoute } from '../../lambdas/audit/list-audit';
import { verifyAuditRoute } from '../../lambdas/audit/verify-audit';
import { getCheckpointRoute } from '../../lambdas/checkpoints/get-checkpoint';
import { listCheckpointsRoute } from '../../lambdas/checkpoints/list-checkpoints';
import { putCheckpointRoute } from '../../lambdas/checkpoints/put-checkpoint';
import { bulkKillRoute } from '../../lambdas/control/bulk-kill';
import { killAgentRoute } from '../../lambdas/control/kill-agent';
import { pauseAgentRoute } from '../../lambdas/control/pause-agent';
import { putPolicyRoute } from '../../lambdas/control/put-policy';
import { resumeAgentRoute } from '../../lambdas/control/resume-agent';
import { healthRoute } from '../../lambdas/health/health';
import { heartbeatRoute } from '../../lambdas/heartbeat/heartbeat';
import { submitIntentRoute } from '../../lambdas/intents/submit-intent';
import { createKeyRoute } from '../../lambdas/keys/create-key';
import { deleteKeyRoute } from '../../lambdas/keys/delete-key';
import { listKeysRoute } from '../../lambdas/keys/list-keys';

const ROUTE_FACTORIES: Record<RouteId, { create: (provider: DependencyProvider) => RestHandler }> = {
  health: healthRoute,
  createAgent: createAgentRoute,
  listAgents: listAgentsRoute,
  getAgent: getAgentRoute,
  deleteAgent: deleteAgentRoute,
  killAgent: killAgentRoute,
  pauseAgent: pauseAgentRoute,
  resumeAgent: resumeAgentRoute,
  bulkKill: bulkKillRoute,
  putPolicy: putPolicyRoute,
  heartbeat: heartbeatRoute,
  submitIntent: submitIntentRoute,
  putCheckpoint: putCheckpointRoute,
  getCheckpoint: getCheckpointRoute,
  listCheckpoints: listCheckpointsRoute,
  createKey: createKeyRoute,
  listKeys: listKeysRoute,
  deleteKey: deleteKeyRoute,
  listAudit: listAuditRoute,
  verifyAudit: verifyAuditRoute,
};

export const createRouteHandlers = (provider: DependencyProvider): Record<RouteId, RestHandler> =>
  Object.fromEntries(
    Object.entries(ROUTE_FACTORIES).map(([id, route]) => [id, route.create(provider)]),
  ) as Record<RouteId, RestHandler>;
