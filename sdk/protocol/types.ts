/** Response shapes of the Halt REST API (see docs/api.md). */
import type { AgentStatus, ApprovalStatus, Health, Policy, Role } from './schemas';

export type { AgentStatus, ApprovalStatus, Health, Policy, Role };

export interface InstanceCounts {
  total: number;
  healthy: number;
  acknowledged: number;
  /** Instances still heartbeating a minute after a kill or pause without acknowledging it. */
  ignoring: number;
}

export interface Agent {
  agentId: string;
  name: string;
  tags: string[];
  status: AgentStatus;
  health: Health;
  version: number;
  statusChangedAt: string;
  statusChangedBy: string;
  statusReason: string | null;
  instances: InstanceCounts;
  intentsToday: number;
  costTodayUsd: number;
  /** Intents a policy in shadow mode would have refused today (UTC), admitted anyway. */
  wouldRefuseToday: number;
  lastHeartbeatAt: string | null;
  policy: Policy;
  createdAt: string;
}

export interface Instance {
  instanceId: string;
  region: string;
  health: Health;
  lastHeartbeatAt: string | null;
  acknowledgedVersion: number | null;
  connected: boolean;
  /** Still heartbeating a minute after a kill or pause, without acknowledging it. */
  ignoringStop: boolean;
}

export interface AgentDetail extends Agent {
  instanceList: Instance[];
}

export interface ControlResult {
  agentId: string;
  status: AgentStatus;
  version: number;
  changed: boolean;
  pushed: number;
  /** Regions whose replica is confirmed (strongly consistent read) to hold this change or a later one. */
  enforcedIn: string[];
  /** Regions not confirmed within the wait (at most 3 s): they may still admit what the change forbids. */
  pendingIn: string[];
}

export interface HeartbeatResult {
  status: AgentStatus;
  version: number;
  reason?: string;
  failMode: 'closed' | 'open';
}

export type AuditEventType =
  | 'agent_created'
  | 'killed'
  | 'paused'
  | 'resumed'
  | 'policy_changed'
  | 'agent_deleted'
  | 'approval_requested'
  | 'approval_granted'
  | 'approval_denied'
  | 'approval_expired'
  | 'approval_cancelled'
  | 'action_killed'
  | 'action_resumed';

export interface AuditEvent {
  eventId: string;
  /** `null` for fleet events (`action_killed`, `action_resumed`): they have a chain of their own. */
  agentId: string | null;
  type: AuditEventType;
  actor: string;
  reason: string | null;
  at: string;
  fromStatus: AgentStatus | null;
  toStatus: AgentStatus | null;
  version: number;
  region: string;
  /** Approval events: the approval. They join the agent's chain without a version of their own. */
  approvalId?: string;
  /** Fleet action kills: the glob. */
  action?: string;
  hash: string;
  prevHash: string;
}

export interface ApiKeySummary {
  keyId: string;
  name: string;
  role: Role;
  agentId?: string;
  createdAt: string;
  lastUsedAt?: string;
}

export interface ApiErrorBody {
  error: { code: string; message: string };
}

/** An intent held for a person (API.md "Approvals"), bound to the exact call by `callHash`. */
export interface Approval {
  approvalId: string;
  agentId: string;
  instanceId: string;
  action: string;
  to?: string;
  costUsd?: number;
  payload?: unknown;
  status: ApprovalStatus;
  requestedAt: string;
  expiresAt: string;
  decidedBy?: string;
  decidedAt?: string;
  reason?: string;
}

/** An action glob refused for every agent in every region until lifted. */
export interface KilledAction {
  action: string;
  reason: string;
  actor: string;
  at: string;
}

export interface ActionKillResult extends KilledAction {
  /** Regions whose gateway is confirmed to refuse it (strongly consistent read), and those not yet. */
  enforcedIn: string[];
  pendingIn: string[];
}

/** The intents gateway's answer to an admitted intent. */
export interface IntentResult {
  intentId: string;
  /** Shadow mode: the refusal the policy would have made. */
  wouldRefuse?: { code: string; message: string };
}
