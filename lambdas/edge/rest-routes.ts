/** Every REST route as defined (handler, dependencies factory, request schemas). */
import { killActionRoute } from '../actions/kill-action';
import { listActionsRoute } from '../actions/list-actions';
import { resumeActionRoute } from '../actions/resume-action';
import { createAgentRoute } from '../agents/create-agent';
import { deleteMcpServerRoute } from '../mcp/delete-mcp-server';
import { listMcpServersRoute } from '../mcp/list-mcp-servers';
import { mcpEndpointRoute } from '../mcp/mcp-endpoint';
import { putMcpServerRoute } from '../mcp/put-mcp-server';
import { approveApprovalRoute } from '../approvals/approve-approval';
import { denyApprovalRoute } from '../approvals/deny-approval';
import { getApprovalRoute } from '../approvals/get-approval';
import { listApprovalsRoute } from '../approvals/list-approvals';
import { deleteAgentRoute } from '../agents/delete-agent';
import { getAgentRoute } from '../agents/get-agent';
import { getUsageRoute } from '../agents/get-usage';
import { listAgentsRoute } from '../agents/list-agents';
import { listAuditRoute } from '../audit/list-audit';
import { verifyAuditRoute } from '../audit/verify-audit';
import { getCheckpointRoute } from '../checkpoints/get-checkpoint';
import { listCheckpointsRoute } from '../checkpoints/list-checkpoints';
import { putCheckpointRoute } from '../checkpoints/put-checkpoint';
import { bulkKillRoute } from '../control/bulk-kill';
import { bulkPauseRoute } from '../control/bulk-pause';
import { bulkResumeRoute } from '../control/bulk-resume';
import { killAgentRoute } from '../control/kill-agent';
import { pauseAgentRoute } from '../control/pause-agent';
import { putPolicyRoute } from '../control/put-policy';
import { resumeAgentRoute } from '../control/resume-agent';
import { healthRoute } from '../health/health';
import { heartbeatRoute } from '../heartbeat/heartbeat';
import type { DefinedRoute } from './http/define-route';
import { submitIntentRoute } from '../intents/submit-intent';
import { createKeyRoute } from '../keys/create-key';
import { deleteKeyRoute } from '../keys/delete-key';
import { listKeysRoute } from '../keys/list-keys';
import { listFailedBatchesRoute } from '../replay/list-failed-batches';
import { doctorEventsRoute } from '../doctor/list-doctor-events';
import { replayFailedBatchesRoute } from '../replay/replay-failed-batches';

/** All routes but the OpenAPI document's own (which is built from these). */
export const REST_ROUTES: readonly DefinedRoute[] = [
  healthRoute,
  createAgentRoute,
  listAgentsRoute,
  getAgentRoute,
  getUsageRoute,
  deleteAgentRoute,
  killAgentRoute,
  pauseAgentRoute,
  resumeAgentRoute,
  bulkKillRoute,
  bulkPauseRoute,
  bulkResumeRoute,
  putPolicyRoute,
  heartbeatRoute,
  submitIntentRoute,
  putCheckpointRoute,
  getCheckpointRoute,
  listCheckpointsRoute,
  createKeyRoute,
  listKeysRoute,
  deleteKeyRoute,
  listApprovalsRoute,
  getApprovalRoute,
  approveApprovalRoute,
  denyApprovalRoute,
  killActionRoute,
  resumeActionRoute,
  listActionsRoute,
  putMcpServerRoute,
  listMcpServersRoute,
  deleteMcpServerRoute,
  mcpEndpointRoute,
  listAuditRoute,
  verifyAuditRoute,
  listFailedBatchesRoute,
  replayFailedBatchesRoute,
  doctorEventsRoute,
];
