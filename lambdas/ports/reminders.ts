/**
 * The reminders port: a stop is pushed again, later, to the instances that have not
 * acknowledged it. The AWS adapter is an SQS queue with a per-message delay
 * (lambdas/adapters/sqs-reminders.ts).
 */

/** Remind the agent's unacknowledging instances of `version` (a kill or pause). */
export interface StopReminder {
  readonly agentId: string;
  readonly version: number;
  /** When the first reminder was scheduled: reminders stop once no connection can still be open. */
  readonly since: string;
}

export interface ReminderQueue {
  /** Deliver `reminder` after `delaySeconds` (at most 900, SQS's longest delay). */
  remindLater(reminder: StopReminder, delaySeconds: number): Promise<void>;
}
