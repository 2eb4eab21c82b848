/**
 * Told until it listens: after a kill or pause, each region reminds its connected instances
 * that have not acknowledged it, every `REMIND_EVERY_SECONDS`, until they acknowledge, the
 * agent moves on (another version), or they disconnect. A push that failed (throttled, 5xx,
 * a connection still in its `$connect`) is therefore never the last word.
 */
import { announceToUnacknowledged } from './announce-change';
import type { DomainContext } from './context';
import { AgentNotFoundError } from './errors';
import { requireAgent } from './agents';
import type { AgentRecord } from '../ports/records';
import type { StopReminder } from '../ports/reminders';

/**
 * API.md: at least every 15 s. A deployment may remind more often (`HALT_REMIND_EVERY_SECONDS`,
 * 1 to 15: more pushes to silent instances, learnt sooner), never less.
 */
export const REMIND_EVERY_SECONDS = 15;

/** The seconds between reminders in this context. */
export const remindEvery = (ctx: DomainContext): number => ctx.remindEverySeconds ?? REMIND_EVERY_SECONDS;

/**
 * API Gateway closes a WebSocket connection after two hours: past that (and a margin), every
 * connection that could have missed the stop is gone and reminders end.
 */
export const REMIND_FOR_MS = 2 * 3_600_000 + 10 * 60_000;

const STOPPED = new Set(['killed', 'paused']);

/** Start reminding this region's instances of a stop (no-op for a resume, or without a queue). */
export const scheduleReminder = async (ctx: DomainContext, agent: AgentRecord): Promise<boolean> => {
  if (!ctx.reminders || agent.deleted || !STOPPED.has(agent.status)) return false;
  await ctx.reminders.remindLater({ agentId: agent.agentId, version: agent.version, since: ctx.now().toISOString() }, remindEvery(ctx));
  return true;
};

export type ReminderOutcome =
  | { readonly done: true; readonly why: 'moved_on' | 'all_acknowledged' | 'expired' | 'agent_gone' }
  | { readonly done: false; readonly reminded: number };

/**
 * One reminder: push the stop again to this region's connected instances that have not
 * acknowledged it. `done: false` means some are still connected and silent: remind again.
 */
export const remindStop = async (ctx: DomainContext, reminder: StopReminder): Promise<ReminderOutcome> => {
  let agent: AgentRecord;
  try {
    agent = await requireAgent(ctx, reminder.agentId);
  } catch (error) {
    if (error instanceof AgentNotFoundError) return { done: true, why: 'agent_gone' };
    throw error;
  }
  if (agent.version !== reminder.version || !STOPPED.has(agent.status)) return { done: true, why: 'moved_on' };
  const instances = await ctx.repository.listInstances(agent.agentId);
  const silent = instances.filter((i) => i.region === ctx.region && i.connectionId !== undefined && (i.acknowledgedVersion ?? -1) < agent.version);
  if (silent.length === 0) return { done: true, why: 'all_acknowledged' };
  if (ctx.now().getTime() - Date.parse(reminder.since) > REMIND_FOR_MS) return { done: true, why: 'expired' };
  return { done: false, reminded: await announceToUnacknowledged(ctx, agent, instances) };
};
