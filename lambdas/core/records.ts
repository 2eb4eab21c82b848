/** What the repository stores, in domain terms (no DynamoDB types). */
import type { AgentStatus, Policy, Role } from '../../sdk/protocol/schemas';
import type { AuditEventType } from '../../sdk/protocol/types';

/** Who changed the agent, how and why, in its last versioned change. */
export interface AgentChange {
  type: AuditEventType;
  actor: string;
  reason: string | null;
  at: string;
  fromStatus: AgentStatus | null;
  toStatus: AgentStatus | null;
  /** Region of the control plane that took the change. */
  region: string;
}

export interface AgentRecord {
  agentId: string;
  name: string;
  tags: string[];
  status: AgentStatus;
  version: number;
  statusChangedAt: string;
  statusChangedBy: string;
  statusReason: string | null;
  policy: Policy;
  createdAt: string;
  /** Heartbeats before this time do not count for health (set on creation and resume). */
  healthSince?: string;
  lastChange: AgentChange;
  /** A deleted agent stays as a tombstone so its versions (and audit chain) keep growing. */
  deleted: boolean;
}

export interface InstanceRecord {
  agentId: string;
  instanceId: string;
  region: string;
  firstSeenAt: string;
  lastHeartbeatAt: string;
  acknowledgedVersion?: number;
  /** The agent version this instance was last reported for ignoring (by the sweeper). */
  ignoringReportedVersion?: number;
}

export interface UsageRecord {
  intents: number;
  costUsd: number;
  succeeded: number;
  failed: number;
}

export interface CheckpointRecord {
  name: string;
  /** The checkpoint's JSON, serialised. */
  json: string;
  savedAt: string;
}

export interface ApiKeyRecord {
  keyId: string;
  keyHash: string;
  name: string;
  role: Role;
  agentId?: string;
  createdAt: string;
  lastUsedAt?: string;
}

export interface AuditEventRecord {
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
  /** Set once the event is on the event bus. */
  published?: boolean;
}
