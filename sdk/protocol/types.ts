/** Response shapes of the Halt REST API (see docs/api.md). */
import type { AgentStatus, Health, Policy, Role } from './schemas';

export type { AgentStatus, Health, Policy, Role };

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
  | 'agent_deleted';

export interface AuditEvent {
  eventId: string;
  agentId: string;
  type: AuditEventType;
  actor: string;
  reason: string | null;
  at: string;
  fromStatus: AgentStatus | null;
  toStatus: AgentStatus | null;
  version: number;
  region: string;
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
