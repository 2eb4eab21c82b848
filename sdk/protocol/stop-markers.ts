/**
 * The rule every reader of an agent's state applies to its stop markers (docs/data-model.md,
 * "One write region, and stop markers"): the control plane's gateways and handlers, and the
 * middleware reading the regional replica directly. One rule, one place.
 */
import type { AgentStatus } from './schemas';

/** A region's "stopped at …" (the fields the rule reads). */
export interface StopMarkerFields {
  readonly region: string;
  readonly seq: number;
  readonly action: 'kill' | 'pause';
  readonly at: string;
  readonly agentCreatedAt: string;
}

/** The agent item's fields the rule reads. */
export interface MarkedAgentFields<M extends StopMarkerFields> {
  readonly status: AgentStatus;
  readonly createdAt: string;
  readonly foldedStops?: Readonly<Record<string, number>>;
  readonly stops?: readonly M[];
}

/** Markers of this agent (this life of its id) not yet folded into its item. */
export const unfoldedStops = <M extends StopMarkerFields>(agent: MarkedAgentFields<M>): M[] =>
  (agent.stops ?? []).filter((m) => m.agentCreatedAt === agent.createdAt && m.seq > (agent.foldedStops?.[m.region] ?? 0));

/**
 * The marker that decides the agent's status, if any changes it: the newest kill (unless the
 * agent is killed), else the newest pause (if the agent is active). The agent is then that
 * marker's status at `version + 1`.
 */
export const decidingStop = <M extends StopMarkerFields>(agent: MarkedAgentFields<M>): M | undefined => {
  const stops = unfoldedStops(agent);
  const newest = (action: StopMarkerFields['action']) =>
    stops.filter((m) => m.action === action).sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0))[0];
  const kill = newest('kill');
  if (kill) return agent.status === 'killed' ? undefined : kill;
  const pause = newest('pause');
  return pause && agent.status === 'active' ? pause : undefined;
};
