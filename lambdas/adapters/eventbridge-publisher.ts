/** `EventPublisher` over EventBridge: one `PutEvents` per event; a refused entry throws. */
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { EVENT_SOURCE, EventPublishError, type BusEvent, type EventPublisher } from '../ports/event-publisher';

export class EventBridgePublisher implements EventPublisher {
  public constructor(private readonly options: { readonly client: EventBridgeClient; readonly eventBusName: string }) {}

  public async publish(event: BusEvent): Promise<void> {
    const result = await this.options.client.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: EVENT_SOURCE,
            DetailType: event.detailType,
            Detail: JSON.stringify(event.detail),
            EventBusName: this.options.eventBusName,
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
