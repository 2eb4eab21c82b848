/** What the repository stores, in domain terms (no DynamoDB types). */
import type { AgentStatus, ApprovalStatus, Policy, Role } from '../../sdk/protocol/schemas';
import type { Approval, AuditEvent, KilledAction } from '../../sdk/protocol/types';

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
  /**
   * How many approval events the agent's history holds (API.md "Approvals"): each request and
   * decision is written on the agent item with the next `approvalSeq`, in the write region, so
   * the audit chain orders them with the versioned changes in every region.
   */
  approvalSeq?: number;
  /** The latest approval event (its `seq` is `approvalSeq`); the stream consumer audits it. */
  approvalEvent?: ApprovalEvent;
}

export type ApprovalEventType = 'approval_requested' | 'approval_granted' | 'approval_denied' | 'approval_expired' | 'approval_cancelled';

/** One request or decision of an approval, as the agent's audit chain records it. */
export interface ApprovalEvent {
  seq: number;
  type: ApprovalEventType;
  approvalId: string;
  actor: string;
  reason: string | null;
  at: string;
  region: string;
}

/** An approval as stored: the public view, the hash of the call it is bound to, where it last changed. */
export interface ApprovalRecord extends Approval {
  /** SHA-256 of the canonical JSON of `{action, to?, costUsd?, payload?}` (domain/approvals.ts). */
  callHash: string;
  /** The region that made its last change (it publishes that change on its bus). */
  changedIn: string;
  /** Set when it is used: the intent it admitted. */
  intentId?: string;
}

/** The approval statuses a decision can still change. */
export const OPEN_APPROVAL_STATUSES: readonly ApprovalStatus[] = ['pending', 'approved'];

/** Fleet-wide action kills: one item, versioned, written in the write region. */
export interface FleetActionsRecord {
  version: number;
  killed: KilledAction[];
  /** The change that made `version` (the fleet chain's audit event is made from it). */
  lastChange?: FleetChange;
  /** Per region, the last of its fleet stop markers folded into the item. */
  foldedStops?: Record<string, number>;
  /** Read with the item, never stored on it: the regions' fleet stop markers. */
  stops?: FleetStopMarker[];
}

/**
 * Globs a region killed while the write region did not answer (`FLEET#ACTIONS / STOP#<region>`),
 * written only by that region, so replicas merge them without conflict; every gateway honours
 * them, and the write region folds them into the fleet item (one version, one audit event, each).
 */
export interface FleetStopMarker {
  region: string;
  seq: number;
  killed: KilledAction[];
}

export interface FleetChange {
  type: 'action_killed' | 'action_resumed';
  action: string;
  actor: string;
  reason: string;
  at: string;
  region: string;
}

/**
 * Where an event sits in a hash chain: an agent's (or the fleet's, `FLEET_CHAIN`), at a version,
 * and for approval events after it, their `approvalSeq`.
 */
export interface AuditPosition {
  chain: string;
  version: number;
  approvalSeq?: number;
}

/** The chain of fleet events (`agentId: null`); `@` never starts an agent id. */
export const FLEET_CHAIN = '@fleet';

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
  /** Intents a policy in shadow mode would have refused (admitted anyway). */
  wouldRefuse: number;
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
  /** Approval events: their place after the agent's version (`AgentRecord.approvalSeq`). */
  approvalSeq?: number;
}

export const auditPositionOf = (event: Pick<AuditEventRecord, 'agentId' | 'version' | 'approvalSeq'>): AuditPosition => ({
  chain: event.agentId ?? FLEET_CHAIN,
  version: event.version,
  ...(event.approvalSeq !== undefined ? { approvalSeq: event.approvalSeq } : {}),
});

/** A region of the deployment in the region registry: where its WebSocket connections are posted to. */
export interface RegionEntry {
  region: string;
  /** `https://{api}.execute-api.{region}.amazonaws.com/{stage}` (the local gateway's locally). */
  managementEndpoint: string;
}

/** An upstream MCP server in the registry (API.md "MCP gateway"); its header values are kept encrypted, apart. */
export interface McpServerRecord {
  server: string;
  url: string;
  /** Names of the registered headers (their values are secrets, never returned). */
  headerNames: string[];
  /** What one `tools/call` costs, counted against the agent's budget. */
  costUsd?: number;
  /** The header values (`{name: value}` as JSON), encrypted (`HeaderCipher`); absent without headers. */
  headersCiphertext?: string;
  updatedAt: string;
  updatedBy: string;
}
