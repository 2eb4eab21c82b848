/** Reminders as SQS messages delayed per message (`DelaySeconds`, up to 15 minutes). */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { ReminderQueue, StopReminder } from '../ports/reminders';

export class SqsReminderQueue implements ReminderQueue {
  private readonly client: SQSClient;
  private readonly queueUrl: string;

  public constructor(options: { client: SQSClient; queueUrl: string }) {
    this.client = options.client;
    this.queueUrl = options.queueUrl;
  }

  public async remindLater(reminder: StopReminder, delaySeconds: number): Promise<void> {
    await this.client.send(
      new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(reminder), DelaySeconds: Math.min(Math.max(Math.round(delaySeconds), 0), 900) }),
    );
  }
}
