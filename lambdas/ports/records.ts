/** What the repository stores, in domain terms (no DynamoDB types). */
import type { AgentStatus, Policy, Role } from '../../sdk/protocol/schemas';
import type { AuditEvent } from '../../sdk/protocol/types';

/**
 * Who changed the agent, how and why, in its last versioned change (`region`: the control
 * plane that took it). The audit event is made from it.
 */
export type AgentChange = Pick<AuditEvent, 'type' | 'actor' | 'reason' | 'at' | 'fromStatus' | 'toStatus' | 'region'>;

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
  /**
   * Per region, the last of its stop markers folded into this item's history (the marker's
   * `seq`): later markers of that region still stop the agent (domain/stop-markers.ts).
   */
  foldedStops?: Record<string, number>;
  /** Read with the agent, never stored on its item: the stop markers its partition holds. */
  stops?: StopMarker[];
}

/**
 * A region's "stopped at …" for an agent, written in that region when the write region could
 * not take a kill or pause (`AGENT#<id> / AGENT#STOP#<region>`). Only its own region writes
 * it, so replicas merge markers without conflict; `seq` grows with each marker it writes.
 */
export interface StopMarker {
  region: string;
  seq: number;
  action: 'kill' | 'pause';
  actor: string;
  reason: string;
  at: string;
  /** The `createdAt` of the agent it stops: a marker never stops a later agent of the same id. */
  agentCreatedAt: string;
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
  /**
   * Presence: the WebSocket connection the instance holds (set at `$connect`, cleared at
   * `$disconnect`). While it is held, the connection is the instance's heartbeat.
   */
  connectionId?: string;
  connectedAt?: string;
}

export interface InstancePresence {
  agentId: string;
  instanceId: string;
  region: string;
  connectionId: string;
  at: string;
}

export interface UsageRecord {
  intents: number;
  costUsd: number;
  succeeded: number;
  failed: number;
  /** Intents the gateway refused by the action lists. */
  denied: number;
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

/** A stored audit event: the public event plus whether it is on the event bus yet. */
export interface AuditEventRecord extends AuditEvent {
  /** Set once the event is on the event bus. */
  published?: boolean;
}

/** A region of the deployment in the region registry: where its WebSocket connections are posted to. */
export interface RegionEntry {
  region: string;
  /** `https://{api}.execute-api.{region}.amazonaws.com/{stage}` (the local gateway's locally). */
  managementEndpoint: string;
}
