/** How the CLI shows approvals and fleet-wide action kills to a person. */
import type { ActionKillResult, Approval, KilledAction } from '../protocol/types';
import { table } from './format';

/** The call an approval is bound to: "email.send_all to list-42". */
export const approvalCall = (approval: Pick<Approval, 'action' | 'to'>): string => `${approval.action}${approval.to ? ` to ${approval.to}` : ''}`;

/** Dollars as people read them: "$4.20", and small amounts without rounding them to nothing. */
export const dollars = (costUsd: number | undefined): string =>
  costUsd === undefined ? '-' : costUsd > 0 && costUsd < 0.01 ? `$${costUsd}` : `$${costUsd.toFixed(2)}`;

/** Pending first (someone is waiting on them), otherwise in the API's order (newest first). */
export const pendingFirst = (approvals: readonly Approval[]): Approval[] =>
  [...approvals].sort((a, b) => Number(b.status === 'pending') - Number(a.status === 'pending'));

export const approvalRows = (approvals: readonly Approval[]): string =>
  table(
    ['APPROVAL', 'AGENT', 'ACTION', 'TO', 'COST', 'STATUS', 'REQUESTED', 'EXPIRES'],
    approvals.map((a) => [a.approvalId, a.agentId, a.action, a.to ?? '-', dollars(a.costUsd), a.status, a.requestedAt, a.expiresAt]),
  );

/** One approval in full, payload included (what a person checks before deciding). */
export const approvalDetail = (a: Approval): string =>
  [
    `${a.approvalId}: ${a.status}`,
    `  ${a.agentId} (instance ${a.instanceId}) asks for ${approvalCall(a)}${a.costUsd !== undefined ? `, ${dollars(a.costUsd)}` : ''}`,
    `  requested ${a.requestedAt}; expires ${a.expiresAt}`,
    ...(a.decidedBy || a.decidedAt ? [`  decided by ${a.decidedBy ?? '-'} at ${a.decidedAt ?? '-'}${a.reason ? `: ${a.reason}` : ''}`] : []),
    ...(a.payload !== undefined ? [`  payload: ${JSON.stringify(a.payload)}`] : []),
    ...(a.status === 'pending' ? [`  decide: halt approve ${a.approvalId} [--reason …]  |  halt deny ${a.approvalId} --reason …`] : []),
  ].join('\n');

type FleetChange = KilledAction & Partial<Pick<ActionKillResult, 'enforcedIn' | 'pendingIn'>>;

/** Where a fleet change holds, and where it is not confirmed yet (and what that means there). */
const regionsLine = (result: FleetChange, held: string, meanwhile: string): string[] => {
  const parts: string[] = [];
  if (result.enforcedIn) parts.push(result.enforcedIn.length > 0 ? `${held} in ${result.enforcedIn.join(', ')}` : 'not yet confirmed in any region');
  if (result.pendingIn && result.pendingIn.length > 0) parts.push(`not yet confirmed in ${result.pendingIn.join(', ')} (${meanwhile})`);
  return parts;
};

/** "email.* refused for every agent; enforced in local-1, local-2". */
export const actionKilledLine = (result: FleetChange): string =>
  [`${result.action} refused for every agent`, ...regionsLine(result, 'enforced', 'its gateways may admit the action until the kill arrives')].join('; ');

/** "email.* no longer refused fleet-wide; lifted in local-1, local-2". */
export const actionResumedLine = (result: FleetChange): string =>
  [`${result.action} no longer refused fleet-wide`, ...regionsLine(result, 'lifted', 'its gateways refuse the action until the resume arrives')].join('; ');

export const killedActionRows = (killed: readonly KilledAction[]): string =>
  table(['ACTION', 'KILLED BY', 'AT', 'REASON'], killed.map((k) => [k.action, k.actor, k.at, k.reason]));
