/** Puts audit events on the event bus (EventBridge, source `halt`). */
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
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

export class EventBridgePublisher implements EventPublisher {
  private readonly client: EventBridgeClient;
  private readonly eventBusName: string;

  public constructor(options: { client: EventBridgeClient; eventBusName: string }) {
    this.client = options.client;
    this.eventBusName = options.eventBusName;
  }

  public async publish(event: BusEvent): Promise<void> {
    const result = await this.client.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: EVENT_SOURCE,
            DetailType: event.detailType,
            Detail: JSON.stringify(event.detail),
            EventBusName: this.eventBusName,
            Resources: [],
            Time: event.time,
          },
        ],
      }),
    );
    if ((result.FailedEntryCount ?? 0) > 0) {
      const entry = result.Entries?.[0];
      throw new EventPublishError(`event bus refused ${event.detailType}: ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`);
    }
  }
}
