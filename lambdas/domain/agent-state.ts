/**
 * The agent state machine: statuses, the transitions operators (and policies) make, and the
 * health an agent or instance shows from its presence (a held WebSocket connection) or its
 * last heartbeat.
 */
import type { AgentStatus, Health } from '../../sdk/protocol/schemas';
import type { AuditEventType } from '../../sdk/protocol/types';
import { InvalidTransitionError } from './errors';

export type ControlAction = 'kill' | 'pause' | 'resume';

/**
 * An instance still heartbeating this long after a kill or pause, without acknowledging it,
 * is ignoring the stop (two default heartbeat periods).
 */
export const IGNORE_GRACE_MS = 60_000;

/** Heartbeats younger than this are `healthy`. */
export const HEALTHY_WITHIN_MS = 90_000;
/** Heartbeats younger than this (and not healthy) are `degraded`; older are `unreachable`. */
export const DEGRADED_WITHIN_MS = 300_000;

const TARGET: Record<ControlAction, AgentStatus> = { kill: 'killed', pause: 'paused', resume: 'active' };
const EVENT: Record<ControlAction, AuditEventType> = { kill: 'killed', pause: 'paused', resume: 'resumed' };

export interface TransitionPlan {
  readonly changed: boolean;
  readonly toStatus: AgentStatus;
  readonly eventType: AuditEventType;
}

/**
 * Decide what `action` does to an agent in status `current`.
 * Repeating the current status is not a change; pausing a killed agent is refused, since it
 * would soften a kill without anyone resuming it.
 */
export const planTransition = (current: AgentStatus, action: ControlAction): TransitionPlan => {
  const toStatus = TARGET[action];
  if (action === 'pause' && current === 'killed') {
    throw new InvalidTransitionError('the agent is killed: resume it first if it should be paused instead');
  }
  return { changed: current !== toStatus, toStatus, eventType: EVENT[action] };
};

/** API Gateway closes every WebSocket connection after two hours (the SDK reconnects). */
export const WEBSOCKET_CONNECTION_LIMIT_MS = 2 * 3_600_000;
/**
 * Presence older than a connection can live (plus slack for a late `$disconnect`) is stale,
 * and the instance ages from its last contact.
 */
export const PRESENCE_MAX_MS = WEBSOCKET_CONNECTION_LIMIT_MS + 10 * 60_000;

/** Does the instance hold a WebSocket connection (its heartbeat while it does)? */
export const isConnected = (instance: { connectionId?: string | undefined; connectedAt?: string | undefined }, now: Date): boolean => {
  if (!instance.connectionId || !instance.connectedAt) return false;
  const age = now.getTime() - Date.parse(instance.connectedAt);
  return age >= -60_000 && age <= PRESENCE_MAX_MS;
};

/**
 * When the instance was last known alive: now, while it holds its connection (the connection
 * is its heartbeat), otherwise its last heartbeat, acknowledgement or disconnect.
 */
export const lastSeenAt = (
  instance: { lastHeartbeatAt: string; connectionId?: string | undefined; connectedAt?: string | undefined },
  now: Date,
): string => (isConnected(instance, now) ? now.toISOString() : instance.lastHeartbeatAt);

/** Health from the time of the last heartbeat; `unknown` when there has been none. */
export const healthFrom = (lastHeartbeatAt: string | null | undefined, now: Date): Health => {
  if (!lastHeartbeatAt) return 'unknown';
  const age = now.getTime() - Date.parse(lastHeartbeatAt);
  if (Number.isNaN(age)) return 'unknown';
  if (age < HEALTHY_WITHIN_MS) return 'healthy';
  if (age <= DEGRADED_WITHIN_MS) return 'degraded';
  return 'unreachable';
};

/**
 * Does `instance` keep going after the agent was stopped, without acknowledging it? It does
 * when it was seen alive (heartbeat, or still holding its connection) more than the grace
 * period after the stop.
 */
export const isIgnoringStop = (
  agent: { status: AgentStatus; version: number; statusChangedAt: string },
  instance: { lastHeartbeatAt: string; acknowledgedVersion?: number | undefined; connectionId?: string | undefined; connectedAt?: string | undefined },
  now: Date,
): boolean =>
  agent.status !== 'active' &&
  (instance.acknowledgedVersion ?? -1) < agent.version &&
  Date.parse(lastSeenAt(instance, now)) - Date.parse(agent.statusChangedAt) > IGNORE_GRACE_MS;
