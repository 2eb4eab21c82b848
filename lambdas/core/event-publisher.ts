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

export interface EventPublisher {
  publish(event: AuditEvent): Promise<void>;
}

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

  public async publish(event: AuditEvent): Promise<void> {
    const result = await this.client.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: EVENT_SOURCE,
            DetailType: DETAIL_TYPES[event.type],
            Detail: JSON.stringify(event),
            EventBusName: this.eventBusName,
            Resources: [],
            Time: new Date(event.at),
          },
        ],
      }),
    );
    if ((result.FailedEntryCount ?? 0) > 0) {
      const entry = result.Entries?.[0];
      throw new EventPublishError(`event bus refused ${event.eventId}: ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`);
    }
  }
}
