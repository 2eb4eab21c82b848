/**
 * The agent state machine: statuses, the transitions operators (and policies) make, and the
 * health an agent or instance shows from its last heartbeat.
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

/** Health from the time of the last heartbeat; `unknown` when there has been none. */
export const healthFrom = (lastHeartbeatAt: string | null | undefined, now: Date): Health => {
  if (!lastHeartbeatAt) return 'unknown';
  const age = now.getTime() - Date.parse(lastHeartbeatAt);
  if (Number.isNaN(age)) return 'unknown';
  if (age < HEALTHY_WITHIN_MS) return 'healthy';
  if (age <= DEGRADED_WITHIN_MS) return 'degraded';
  return 'unreachable';
};

/** Does `instance` keep working after the agent was stopped, without acknowledging it? */
export const isIgnoringStop = (
  agent: { status: AgentStatus; version: number; statusChangedAt: string },
  instance: { lastHeartbeatAt: string; acknowledgedVersion?: number | undefined },
): boolean =>
  agent.status !== 'active' &&
  (instance.acknowledgedVersion ?? -1) < agent.version &&
  Date.parse(instance.lastHeartbeatAt) - Date.parse(agent.statusChangedAt) > IGNORE_GRACE_MS;
