/**
 * Stop markers: how a kill or pause holds while the write region is unreachable. Agent items
 * are written in one region only (so conditional versions hold globally); when that region
 * cannot take a kill, the region the operator called writes a marker in its own replica
 * ("stopped at …"), which every gateway honours at once and replication carries everywhere.
 * When the write region sees the marker (its stream consumer, or the next change it takes), it
 * folds it into the agent's history: one versioned change, one audit event.
 *
 * The agent as it stands is its item with its unfolded markers applied (`effectiveAgent`): a
 * marker that changes the status makes it the marker's status at `version + 1`, which is the
 * very version the fold writes, so instances told by the marker and by the fold agree.
 */
import type { AgentRecord } from '../ports/records';
import type { AgentRepository } from '../ports/repository';
import { decidingStop, unfoldedStops } from '../../sdk/protocol/stop-markers';

export { unfoldedStops };

/**
 * The agent as every gateway must treat it: its item, stopped by an unfolded marker where one
 * changes its status (at `version + 1`, the version the fold will write).
 */
export const effectiveAgent = (agent: AgentRecord): AgentRecord => {
  if (agent.deleted) return agent;
  const marker = decidingStop(agent);
  if (!marker) return agent;
  const toStatus = marker.action === 'kill' ? 'killed' : 'paused';
  return {
    ...agent,
    status: toStatus,
    version: agent.version + 1,
    statusChangedAt: marker.at,
    statusChangedBy: marker.actor,
    statusReason: marker.reason,
    lastChange: { type: toStatus, actor: marker.actor, reason: marker.reason, at: marker.at, fromStatus: agent.status, toStatus, region: marker.region },
  };
};

/**
 * What the write region stores to fold the unfolded markers into the item: the effective
 * agent, with every unfolded marker noted as folded. `undefined` when there is nothing to fold.
 * A marker that changes nothing (a pause of a killed agent) is noted without a new version.
 */
export const foldedAgent = (agent: AgentRecord): AgentRecord | undefined => {
  const stops = unfoldedStops(agent);
  if (stops.length === 0 || agent.deleted) return undefined;
  const folded = { ...(agent.foldedStops ?? {}) };
  for (const m of stops) folded[m.region] = Math.max(folded[m.region] ?? 0, m.seq);
  const { stops: _stops, ...next } = effectiveAgent(agent);
  return { ...next, foldedStops: folded };
};

/**
 * The agent as the write region stores it, its unfolded markers folded in first (one
 * conditional write, whose `VersionConflictError` a lost race raises for the caller to handle).
 * `undefined` when there is no item. Every change the write region makes starts here, so it is
 * made on top of every stop that came before it.
 */
export const foldIn = async (writer: AgentRepository, agentId: string): Promise<AgentRecord | undefined> => {
  const stored = await writer.getAgent(agentId, { consistent: true });
  const fold = stored && foldedAgent(stored);
  if (!stored || !fold) return stored;
  await writer.updateAgent(fold, stored.version);
  return fold;
};
