/**
 * The one in-memory `AgentRepository` of the domain's unit tests: the table's rules without
 * the table — conditional writes on `version` (`VersionConflictError`), ids that exist
 * (`ConflictError`), usage limits that refuse without counting, write-once audit events,
 * acknowledgements that only move forward. One region; integration tests use DynamoDB Local.
 */
import { ApprovalConflictError, ConflictError, VersionConflictError } from '../../lambdas/domain/errors';
import type {
  AgentRecord,
  ApiKeyRecord,
  ApprovalEvent,
  ApprovalRecord,
  AuditEventRecord,
  AuditPosition,
  CheckpointRecord,
  FleetActionsRecord,
  FleetStopMarker,
  InstancePresence,
  InstanceRecord,
  McpServerRecord,
  RegionEntry,
  StopMarker,
  UsageRecord,
} from '../../lambdas/ports/records';
import { auditPositionOf, FLEET_CHAIN, OPEN_APPROVAL_STATUSES } from '../../lambdas/ports/records';
import type { AgentRepository, Page, UsageDelta, UsageRoom, UsageWrite } from '../../lambdas/ports/repository';

const EMPTY_USAGE: UsageRecord = { intents: 0, costUsd: 0, succeeded: 0, failed: 0, denied: 0, wouldRefuse: 0 };

export interface MemoryRepository extends AgentRepository {
  /** Every agent write that went through, in order (tests count them). */
  readonly agentWrites: AgentRecord[];
  /**
   * Runs before each conditional agent write with what is stored; what it returns is stored
   * instead (a test's way of letting another writer win the race).
   */
  interfere?: (stored: AgentRecord) => AgentRecord;
}

export const memoryRepository = (seed: { agents?: AgentRecord[]; instances?: InstanceRecord[]; keys?: ApiKeyRecord[] } = {}): MemoryRepository => {
  const agents = new Map((seed.agents ?? []).map((a) => [a.agentId, a]));
  const instances = new Map((seed.instances ?? []).map((i) => [`${i.agentId}/${i.instanceId}`, { ...i }]));
  const usage = new Map<string, UsageRecord>();
  const breaches = new Set<string>();
  const streaks = new Map<string, number>();
  const checkpoints = new Map<string, CheckpointRecord>();
  const keys = new Map((seed.keys ?? []).map((k) => [k.keyId, k]));
  const audit = new Map<string, AuditEventRecord>();
  const agentWrites: AgentRecord[] = [];
  const stops = new Map<string, StopMarker>();
  const regions = new Map<string, RegionEntry>();
  const stopsOf = (agentId: string) => [...stops.entries()].filter(([key]) => key.startsWith(`${agentId}/`)).map(([, m]) => m);
  const instancesOf = (agentId: string) => [...instances.values()].filter((i) => i.agentId === agentId);
  const usageOf = (agentId: string, window: string) => usage.get(`${agentId}/${window}`) ?? EMPTY_USAGE;
  const auditKey = (p: AuditPosition) => `${p.chain}/${p.version}/${p.approvalSeq ?? 0}`;
  const chainOf = (e: AuditEventRecord) => e.agentId ?? FLEET_CHAIN;
  const auditOf = (chain: string) =>
    [...audit.values()].filter((e) => chainOf(e) === chain).sort((a, b) => a.version - b.version || (a.approvalSeq ?? 0) - (b.approvalSeq ?? 0));
  let fleet: FleetActionsRecord = { version: 0, killed: [] };
  const fleetStops = new Map<string, FleetStopMarker>();
  const approvals = new Map<string, ApprovalRecord>();
  const mcpServers = new Map<string, McpServerRecord>();
  /** The approval event on the agent item, with the table's conditions. */
  const writeApprovalEvent = (agentId: string, event: ApprovalEvent, agentVersion: number) => {
    const agent = agents.get(agentId);
    if (!agent || agent.deleted || agent.version !== agentVersion || (agent.approvalSeq ?? 0) !== event.seq - 1) {
      throw new VersionConflictError(agentId, agentVersion, agent?.version);
    }
    return () => agents.set(agentId, { ...agent, approvalSeq: event.seq, approvalEvent: event });
  };

  const repository: MemoryRepository = {
    agentWrites,
    getAgent: async (agentId) => {
      const agent = agents.get(agentId);
      const markers = stopsOf(agentId);
      return agent && markers.length > 0 ? { ...agent, stops: markers } : agent;
    },
    putRegion: async (entry) => void regions.set(entry.region, entry),
    getRegions: async (names) => names.flatMap((name) => (regions.has(name) ? [regions.get(name) as RegionEntry] : [])),
    putStopMarker: async (agentId, marker) => {
      const key = `${agentId}/${marker.region}`;
      const next = { ...marker, seq: (stops.get(key)?.seq ?? 0) + 1 };
      stops.set(key, next);
      return next;
    },
    createAgent: async (agent, key, previousVersion) => {
      const existing = agents.get(agent.agentId);
      if (existing && (!existing.deleted || existing.version !== previousVersion)) throw new ConflictError(`agent ${agent.agentId} already exists`);
      agents.set(agent.agentId, agent);
      keys.set(key.keyId, key);
      agentWrites.push(agent);
    },
    updateAgent: async (agent, expectedVersion) => {
      let stored = agents.get(agent.agentId);
      if (stored && repository.interfere) {
        stored = repository.interfere(stored);
        agents.set(agent.agentId, stored);
      }
      if (!stored || stored.deleted || stored.version !== expectedVersion) {
        throw new VersionConflictError(agent.agentId, expectedVersion, stored?.version ?? 0);
      }
      agents.set(agent.agentId, agent);
      agentWrites.push(agent);
    },
    deleteAgent: async (agent, expectedVersion) => {
      await repository.updateAgent({ ...agent, deleted: true }, expectedVersion);
      for (const instance of instancesOf(agent.agentId)) instances.delete(`${agent.agentId}/${instance.instanceId}`);
    },
    listAgents: async () => [...agents.values()].filter((a) => !a.deleted).sort((a, b) => a.agentId.localeCompare(b.agentId)),
    listAgentIdsByTag: async (tag) => [...agents.values()].filter((a) => !a.deleted && a.tags.includes(tag)).map((a) => a.agentId),
    getAgents: async (agentIds) => agentIds.flatMap((id) => (agents.has(id) ? [agents.get(id) as AgentRecord] : [])),

    putInstance: async (instance) => {
      const key = `${instance.agentId}/${instance.instanceId}`;
      const stored = instances.get(key);
      instances.set(key, { ...stored, ...instance, firstSeenAt: stored?.firstSeenAt ?? instance.firstSeenAt });
    },
    getInstance: async (agentId, instanceId) => instances.get(`${agentId}/${instanceId}`),
    acknowledgeInstance: async ({ agentId, instanceId, version, at }) => {
      const stored = instances.get(`${agentId}/${instanceId}`);
      if (!stored || (stored.acknowledgedVersion ?? -1) >= version) return false;
      stored.acknowledgedVersion = version;
      stored.lastHeartbeatAt = at;
      return true;
    },
    listInstances: async (agentId) => instancesOf(agentId),
    connectInstance: async (presence: InstancePresence) => {
      const key = `${presence.agentId}/${presence.instanceId}`;
      const stored = instances.get(key);
      instances.set(key, {
        ...stored,
        agentId: presence.agentId,
        instanceId: presence.instanceId,
        region: presence.region,
        firstSeenAt: stored?.firstSeenAt ?? presence.at,
        lastHeartbeatAt: presence.at,
        connectionId: presence.connectionId,
        connectedAt: presence.at,
      });
    },
    disconnectInstance: async (presence) => {
      const stored = instances.get(`${presence.agentId}/${presence.instanceId}`);
      if (!stored || stored.connectionId !== presence.connectionId) return false;
      delete stored.connectionId;
      delete stored.connectedAt;
      stored.lastHeartbeatAt = presence.at;
      return true;
    },
    markInstanceIgnoring: async (agentId, instanceId, version) => {
      const stored = instances.get(`${agentId}/${instanceId}`);
      if (!stored || (stored.ignoringReportedVersion ?? -1) >= version) return false;
      stored.ignoringReportedVersion = version;
      return true;
    },

    addUsage: async (agentId, windows, delta: UsageDelta, room: UsageRoom = {}): Promise<UsageWrite> => {
      // One region: its counters are all the counters. The table's conditions: a counter may
      // reach at most its room (checked only for what the write adds to).
      const day = usageOf(agentId, windows.day);
      const hour = usageOf(agentId, windows.hour);
      const intents = delta.intents ?? 0;
      const cost = delta.costUsd ?? 0;
      const over = (counter: number, max: number | undefined, added: number) => max !== undefined && added > 0 && counter + added > max;
      if (over(day.intents, room.dayIntents, intents) || over(day.costUsd, room.dayCostUsd, cost)) return { ok: false, window: 'day' };
      if (over(hour.intents, room.hourIntents, intents)) return { ok: false, window: 'hour' };
      for (const [window, current] of [[windows.day, day], [windows.hour, hour]] as const) {
        usage.set(`${agentId}/${window}`, {
          intents: current.intents + intents,
          costUsd: current.costUsd + cost,
          succeeded: current.succeeded + (delta.succeeded ?? 0),
          failed: current.failed + (delta.failed ?? 0),
          denied: current.denied + (delta.denied ?? 0),
          wouldRefuse: current.wouldRefuse + (delta.wouldRefuse ?? 0),
        });
      }
      return { ok: true };
    },
    getUsageSplit: async (agentId, window) => ({ all: usageOf(agentId, window), own: usageOf(agentId, window) }),
    getUsage: async (agentId, window) => usageOf(agentId, window),
    markBreach: async (agentId, breach) => {
      const key = `${agentId}/${breach}`;
      if (breaches.has(key)) return false;
      breaches.add(key);
      return true;
    },
    isBreachMarked: async (agentId, breach) => breaches.has(`${agentId}/${breach}`),
    updateFailureStreak: async (agentId, report) => {
      const streak = report.succeeded > 0 ? 0 : (streaks.get(agentId) ?? 0) + report.failed;
      streaks.set(agentId, streak);
      return streak;
    },
    getUsageOfAgents: async (agentIds, window) => new Map(agentIds.map((id) => [id, usageOf(id, window)])),

    putCheckpoint: async (agentId, checkpoint) => {
      checkpoints.set(`${agentId}/${checkpoint.name}`, checkpoint);
    },
    getCheckpoint: async (agentId, name) => checkpoints.get(`${agentId}/${name}`),
    listCheckpoints: async (agentId) =>
      [...checkpoints.entries()].filter(([k]) => k.startsWith(`${agentId}/`)).map(([, c]) => ({ name: c.name, savedAt: c.savedAt })),

    putKey: async (key) => {
      keys.set(key.keyId, key);
    },
    getKeyByHash: async (keyHash) => [...keys.values()].find((k) => k.keyHash === keyHash),
    getKeyById: async (keyId) => keys.get(keyId),
    listKeys: async () => [...keys.values()],
    deleteKey: async (key) => {
      keys.delete(key.keyId);
    },
    touchKey: async (key, at, notBefore) => {
      const stored = keys.get(key.keyId);
      if (stored && (stored.lastUsedAt === undefined || stored.lastUsedAt < notBefore)) stored.lastUsedAt = at;
    },

    putAuditEvent: async (event) => {
      const key = auditKey(auditPositionOf(event));
      if (audit.has(key)) return false;
      audit.set(key, event);
      return true;
    },
    getAuditEvent: async (position) => audit.get(auditKey(position)),
    getPreviousAuditEvent: async (position) =>
      auditOf(position.chain)
        .filter((e) => e.version < position.version || (e.version === position.version && (e.approvalSeq ?? 0) < (position.approvalSeq ?? 0)))
        .pop(),
    markAuditPublished: async (position) => {
      const stored = audit.get(auditKey(position));
      if (stored) stored.published = true;
    },
    listAudit: async ({ agentId, limit }): Promise<Page<AuditEventRecord>> => ({
      items: [...audit.values()].filter((e) => agentId === undefined || e.agentId === agentId).sort((a, b) => b.at.localeCompare(a.at)).slice(0, limit),
    }),
    listAuditChain: async (chain) => auditOf(chain),
    listAuditedAgentIds: async () => [...new Set([...audit.values()].flatMap((e) => (e.agentId === null ? [] : [e.agentId])))],

    getFleetActions: async () => (fleetStops.size > 0 ? { ...fleet, stops: [...fleetStops.values()] } : fleet),
    putFleetStopMarker: async (marker, expectedSeq) => {
      if ((fleetStops.get(marker.region)?.seq ?? 0) !== expectedSeq) throw new VersionConflictError('fleet actions', expectedSeq);
      fleetStops.set(marker.region, marker);
    },
    putFleetActions: async ({ stops: _stops, ...next }, expectedVersion) => {
      if (fleet.version !== expectedVersion) throw new VersionConflictError('fleet actions', expectedVersion, fleet.version);
      fleet = next;
    },
    createApproval: async (approval, event, agentVersion) => {
      const commit = writeApprovalEvent(approval.agentId, event, agentVersion);
      if (approvals.has(approval.approvalId)) throw new ConflictError(`approval ${approval.approvalId} exists`);
      commit();
      approvals.set(approval.approvalId, approval);
    },
    updateApproval: async (next, expectedStatus, withEvent) => {
      const current = approvals.get(next.approvalId);
      if (current?.status !== expectedStatus) throw new ApprovalConflictError(next.approvalId, current?.status ?? 'gone');
      const commit = withEvent ? writeApprovalEvent(next.agentId, withEvent.event, withEvent.agentVersion) : () => undefined;
      commit();
      approvals.set(next.approvalId, next);
    },
    putMcpServer: async (record) => void mcpServers.set(record.server, record),
    getMcpServer: async (server) => mcpServers.get(server),
    listMcpServers: async () => [...mcpServers.values()].sort((a, b) => a.server.localeCompare(b.server)),
    deleteMcpServer: async (server) => mcpServers.delete(server),
    getApproval: async (approvalId) => approvals.get(approvalId),
    listApprovals: async ({ status, agentId }) =>
      [...approvals.values()]
        .filter((a) => (status === undefined || a.status === status) && (agentId === undefined || a.agentId === agentId))
        .sort((a, b) => b.requestedAt.localeCompare(a.requestedAt)),
    listOpenApprovals: async (agentId) => [...approvals.values()].filter((a) => a.agentId === agentId && OPEN_APPROVAL_STATUSES.includes(a.status)),

    ping: async () => undefined,
  };
  return repository;
};
