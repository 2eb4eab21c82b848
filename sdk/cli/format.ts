/** How the CLI shows things to a person: aligned tables and short lines. */
import type { Agent, AuditEvent } from '../protocol/types';

export const table = (headers: readonly string[], rows: readonly (readonly string[])[]): string => {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
};

export const stoppedLine = (acknowledged: number, total: number): string =>
  `${acknowledged} of ${total} instance${total === 1 ? '' : 's'} stopped`;

/** Where a change holds: "enforced in us-east-1, eu-west-1", and where it is not yet confirmed. */
export const enforcedLine = (result: { readonly enforcedIn?: readonly string[]; readonly pendingIn?: readonly string[] }): string => {
  const enforced = result.enforcedIn ?? [];
  const pending = result.pendingIn ?? [];
  const here = enforced.length > 0 ? `enforced in ${enforced.join(', ')}` : 'not yet confirmed in any region';
  return pending.length > 0 ? `${here}; not yet confirmed in ${pending.join(', ')} (its gateway may admit the agent's actions until the change arrives)` : here;
};

export const agentRows = (agents: readonly Agent[]): string =>
  table(
    ['AGENT', 'STATUS', 'HEALTH', 'INSTANCES', 'VERSION', 'INTENTS TODAY', 'COST TODAY', 'TAGS'],
    agents.map((a) => [
      a.agentId,
      a.status,
      a.health,
      `${a.instances.acknowledged}/${a.instances.total} acked${a.instances.ignoring > 0 ? `, ${a.instances.ignoring} ignoring` : ''}`,
      String(a.version),
      String(a.intentsToday),
      `$${a.costTodayUsd.toFixed(2)}`,
      a.tags.join(','),
    ]),
  );

/** Fleet events (`agentId: null`) show their action glob; approval events their approval. */
export const auditLine = (e: AuditEvent): string =>
  `${e.at}  ${e.agentId ?? `fleet ${e.action ?? ''}`.trim()}  v${e.version}  ${e.type}${e.approvalId ? ` ${e.approvalId}` : ''}${e.fromStatus || e.toStatus ? ` (${e.fromStatus ?? '-'} → ${e.toStatus ?? '-'})` : ''}  by ${e.actor}${e.reason ? `: ${e.reason}` : ''}`;
