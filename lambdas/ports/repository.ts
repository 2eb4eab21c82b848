/**
 * The storage port of the domain. `createDynamoRepository` implements it over the state table;
 * tests may hand it DynamoDB Local. Every versioned write is conditional: a lost race throws
 * `VersionConflictError`, an id that exists throws `ConflictError`.
 */
import type {
  AgentRecord,
  ApiKeyRecord,
  ApprovalEvent,
  ApprovalRecord,
  AuditEventRecord,
  AuditPosition,
  FleetActionsRecord,
  FleetStopMarker,
  CheckpointRecord,
  InstancePresence,
  InstanceRecord,
  McpServerRecord,
  RegionEntry,
  StopMarker,
  UsageRecord,
} from './records';

export interface Page<T> {
  items: T[];
  /** Opaque; pass back to get the next page. */
  nextCursor?: string;
}

export interface UsageLimits {
  maxIntentsPerDay?: number;
  maxIntentsPerHour?: number;
  maxCostUsdPerDay?: number;
}

export type UsageOutcome = { ok: true } | { ok: false; limit: keyof UsageLimits };

/**
 * The most this region's counters may reach once a write has added to them: what the budget
 * leaves this region (`domain/budget.ts` works it out).
 */
export interface UsageRoom {
  dayIntents?: number;
  dayCostUsd?: number;
  hourIntents?: number;
}

/** A usage write: done, or refused (nothing written) because a window's counter had no room. */
export type UsageWrite = { ok: true } | { ok: false; window: 'day' | 'hour' };

export interface UsageDelta {
  intents?: number;
  costUsd?: number;
  succeeded?: number;
  denied?: number;
  failed?: number;
  wouldRefuse?: number;
}

export interface AgentRepository {
  /**
   * The agent item with its stop markers (`stops`), tombstones included; `consistent` for a
   * strongly consistent read. The item as stored: `effectiveAgent` applies the markers.
   */
  getAgent(agentId: string, options?: { consistent?: boolean }): Promise<AgentRecord | undefined>;
  /**
   * Create the agent and its first key together. `previousVersion` is the version of a
   * tombstone being replaced (the write fails with `ConflictError` if a live agent exists).
   */
  createAgent(agent: AgentRecord, key: ApiKeyRecord, previousVersion: number | undefined): Promise<void>;
  /**
   * Write (or renew) this region's stop marker of the agent; resolves to it with its new `seq`.
   * Only the marker's own region writes it.
   */
  putStopMarker(agentId: string, marker: Omit<StopMarker, 'seq'>): Promise<StopMarker>;
  /** Replace the agent's versioned state if it is still at `expectedVersion`. */
  updateAgent(agent: AgentRecord, expectedVersion: number): Promise<void>;
  /** Turn the agent into a tombstone at `agent.version` and remove its tag entries, instances and checkpoints. */
  deleteAgent(agent: AgentRecord, expectedVersion: number): Promise<void>;
  /** Live agents, by id. */
  listAgents(): Promise<AgentRecord[]>;
  /** Ids of live agents carrying `tag`. */
  listAgentIdsByTag(tag: string): Promise<string[]>;
  getAgents(agentIds: readonly string[]): Promise<AgentRecord[]>;

  /** Register or refresh an instance. */
  putInstance(instance: InstanceRecord): Promise<void>;
  getInstance(agentId: string, instanceId: string): Promise<InstanceRecord | undefined>;
  /**
   * The instance acknowledged `version` at `at`: true when that moved it forward (a first
   * acknowledgement of the version), false for a repeat, an older version or an instance that
   * is not registered.
   */
  acknowledgeInstance(options: { agentId: string; instanceId: string; version: number; at: string }): Promise<boolean>;
  listInstances(agentId: string): Promise<InstanceRecord[]>;
  /** The instance holds WebSocket `connectionId` from `at` (registers it if it is new). */
  connectInstance(presence: InstancePresence): Promise<void>;
  /**
   * The instance let go of `connectionId` at `at`. A no-op (false) when it already holds a
   * newer connection: a reconnect's `$connect` can arrive before the old `$disconnect`.
   */
  disconnectInstance(presence: Omit<InstancePresence, 'region'>): Promise<boolean>;
  /** Note that the instance was reported for ignoring `version`; false if it already was. */
  markInstanceIgnoring(agentId: string, instanceId: string, version: number): Promise<boolean>;

  /**
   * Add to this region's counters of the day and hour windows, in one write; with `room`, only
   * if they stay within it (otherwise nothing is written and the window that refused is named).
   */
  addUsage(agentId: string, windows: { day: string; hour: string }, delta: UsageDelta, room?: UsageRoom): Promise<UsageWrite>;
  /** Usage in `window`, summed over the regions' counters. */
  getUsage(agentId: string, window: string): Promise<UsageRecord>;
  /** Usage in `window`: every region's counters summed, and this region's own. */
  getUsageSplit(agentId: string, window: string): Promise<{ all: UsageRecord; own: UsageRecord }>;
  /** Note that a limit was breached in a window; false when it already was (report it once). */
  markBreach(agentId: string, breach: string, expiresAt: number): Promise<boolean>;
  /** Whether a breach was already noted (and reported). */
  isBreachMarked(agentId: string, breach: string): Promise<boolean>;
  /**
   * The agent's run of failed units: a report with any success resets it, one with only
   * failures adds them. Resolves to the run after this report.
   */
  updateFailureStreak(agentId: string, report: { succeeded: number; failed: number }): Promise<number>;
  getUsageOfAgents(agentIds: readonly string[], window: string): Promise<Map<string, UsageRecord>>;

  putCheckpoint(agentId: string, checkpoint: CheckpointRecord): Promise<void>;
  getCheckpoint(agentId: string, name: string): Promise<CheckpointRecord | undefined>;
  listCheckpoints(agentId: string): Promise<Omit<CheckpointRecord, 'json'>[]>;

  putKey(key: ApiKeyRecord): Promise<void>;
  getKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined>;
  getKeyById(keyId: string): Promise<ApiKeyRecord | undefined>;
  listKeys(): Promise<ApiKeyRecord[]>;
  deleteKey(key: ApiKeyRecord): Promise<void>;
  /** Record that the key was used at `at`, unless it was already noted after `notBefore`. */
  touchKey(key: ApiKeyRecord, at: string, notBefore: string): Promise<void>;

  /** Write the audit event once: `false` when an event at its position exists. */
  putAuditEvent(event: AuditEventRecord): Promise<boolean>;
  getAuditEvent(position: AuditPosition): Promise<AuditEventRecord | undefined>;
  /** The newest event of the chain before `position`. */
  getPreviousAuditEvent(position: AuditPosition): Promise<AuditEventRecord | undefined>;
  markAuditPublished(position: AuditPosition): Promise<void>;
  /** Newest first; across all agents (and the fleet chain) when `agentId` is absent. */
  listAudit(options: { agentId?: string; limit: number; cursor?: string }): Promise<Page<AuditEventRecord>>;
  /** The whole chain of one agent (or `FLEET_CHAIN`), oldest first. */
  listAuditChain(chain: string): Promise<AuditEventRecord[]>;
  /** Ids of every agent that has an audit trail (deleted agents included; not the fleet chain). */
  listAuditedAgentIds(): Promise<string[]>;

  /** The fleet's killed actions (version 0 and none before the first kill), with the regions' fleet stop markers. */
  getFleetActions(options?: { consistent?: boolean }): Promise<FleetActionsRecord>;
  /** Write this region's fleet stop marker if it is still at `expectedSeq` (otherwise `VersionConflictError`). */
  putFleetStopMarker(marker: FleetStopMarker, expectedSeq: number): Promise<void>;
  /** Replace them if still at `expectedVersion` (otherwise `VersionConflictError`). */
  putFleetActions(next: FleetActionsRecord, expectedVersion: number): Promise<void>;

  /**
   * Store a new approval and its `approval_requested` event on the agent item, together, if
   * the agent is still at `agentVersion` with `event.seq - 1` approval events (otherwise
   * `VersionConflictError`: read again and retry).
   */
  createApproval(approval: ApprovalRecord, event: ApprovalEvent, agentVersion: number): Promise<void>;
  /**
   * Move an approval on from `expectedStatus` (otherwise `ApprovalConflictError`), with its
   * event on the agent item when there is one (same rules as `createApproval`).
   */
  updateApproval(next: ApprovalRecord, expectedStatus: ApprovalRecord['status'], event?: { event: ApprovalEvent; agentVersion: number }): Promise<void>;
  getApproval(approvalId: string, options?: { consistent?: boolean }): Promise<ApprovalRecord | undefined>;
  /** Newest first, requested at or after `since` when given. */
  listApprovals(options: { status?: ApprovalRecord['status']; agentId?: string; since?: string; limit?: number }): Promise<ApprovalRecord[]>;
  /** The agent's approvals that are still pending or approved and unused. */
  listOpenApprovals(agentId: string): Promise<ApprovalRecord[]>;

  /** Register this region in the region registry (at deploy, or when a local region starts). */
  putRegion(entry: RegionEntry): Promise<void>;
  /** The registry entries of `regions` that exist. */
  getRegions(regions: readonly string[]): Promise<RegionEntry[]>;

  /** Register (or replace) an upstream MCP server. */
  putMcpServer(record: McpServerRecord): Promise<void>;
  getMcpServer(server: string): Promise<McpServerRecord | undefined>;
  listMcpServers(): Promise<McpServerRecord[]>;
  /** False when there was none. */
  deleteMcpServer(server: string): Promise<boolean>;

  /** A cheap read that fails when storage is unreachable. */
  ping(): Promise<void>;
}
