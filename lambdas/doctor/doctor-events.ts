/**
 * `halt doctor` makes throwaway agents named `halt-doctor-…`; a rule on the bus sends their
 * events to the bus probe, which records them, so the doctor can see that change and budget
 * events reach the bus without AWS credentials of its own.
 */
export const DOCTOR_AGENT_PREFIX = 'halt-doctor-';

/** The bus rule's pattern (the CDK rule and the local event sink both use it). */
export const DOCTOR_EVENT_PATTERN = { source: ['halt'], detail: { agentId: [{ prefix: DOCTOR_AGENT_PREFIX }] } } as const;

export const isDoctorEvent = (event: { source?: string; detail?: unknown }): boolean => {
  const agentId = (event.detail as { agentId?: unknown } | undefined)?.agentId;
  return event.source === 'halt' && typeof agentId === 'string' && agentId.startsWith(DOCTOR_AGENT_PREFIX);
};
