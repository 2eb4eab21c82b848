/** Puts audit events on the event bus (EventBridge, source `halt`). */
import type { AuditEvent, AuditEventType } from '../../sdk/protocol/types';

export const EVENT_SOURCE = 'halt';

export const DETAIL_TYPES: Record<AuditEventType, string> = {
  agent_created: 'AgentCreated',
  killed: 'AgentKilled',
  paused: 'AgentPaused',
  resumed: 'AgentResumed',
  policy_changed: 'PolicyChanged',
  agent_deleted: 'AgentDeleted',
  action_killed: 'ActionKilled',
  action_resumed: 'ActionResumed',
  // Approvals go on the bus as the `Approval` itself (ApprovalRequested / ApprovalDecided, by
  // the stream consumer from the approval item), not as their audit events.
  approval_requested: '',
  approval_granted: '',
  approval_denied: '',
  approval_expired: '',
  approval_cancelled: '',
};

export const APPROVAL_REQUESTED = 'ApprovalRequested';
export const APPROVAL_DECIDED = 'ApprovalDecided';
export const INTENT_WOULD_BE_REFUSED = 'IntentWouldBeRefused';

/** Detail type of the sweeper's report of an instance that keeps working after a stop. */
export const INSTANCE_IGNORING_STOP = 'InstanceIgnoringStop';

export interface BusEvent {
  readonly detailType: string;
  readonly detail: object;
  readonly time: Date;
}

export interface EventPublisher {
  publish(event: BusEvent): Promise<void>;
}

/** The bus event of an audit event; `undefined` for those that go on the bus otherwise (approvals). */
export const auditBusEvent = (event: AuditEvent): BusEvent | undefined =>
  DETAIL_TYPES[event.type] ? { detailType: DETAIL_TYPES[event.type], detail: event, time: new Date(event.at) } : undefined;

export class EventPublishError extends Error {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EventPublishError';
  }
}
