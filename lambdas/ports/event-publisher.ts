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
};

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

export const auditBusEvent = (event: AuditEvent): BusEvent => ({
  detailType: DETAIL_TYPES[event.type],
  detail: event,
  time: new Date(event.at),
});

export class EventPublishError extends Error {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EventPublishError';
  }
}
