/**
 * Reminders of a stop (SQS, each message delayed 15 s): push the kill or pause again to this
 * region's connected instances that have not acknowledged it, and send the reminder once more
 * while any of them stays silent. A reminder that fails is reported as a batch item failure:
 * SQS delivers it again, and after five tries it goes to the dead-letter queue (alarmed).
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { remindEvery, remindStop } from '../domain/reminders';
import type { DependencyProvider } from '../config/dependencies';
import { lazyHandler } from '../config/lazy-handler';

export type RemindersHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

const reminderSchema = z.object({ agentId: z.string().min(1), version: z.number().int().positive(), since: z.iso.datetime() });

export const createRemindStops = (provider: DependencyProvider): RemindersHandler => {
  const deps = provider();
  const chain = middy<SQSEvent, SQSBatchResponse>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .handler(async (event) => {
      const handleRecord = async (record: SQSRecord): Promise<void> => {
        const parsed = reminderSchema.safeParse(JSON.parse(record.body));
        if (!parsed.success) {
          // Nothing Halt sent: retrying cannot help. Dropped, loudly.
          deps.logger.error('not a stop reminder; dropped', { messageId: record.messageId, issues: parsed.error.issues.map((i) => i.message) });
          return;
        }
        const reminder = parsed.data;
        const outcome = await remindStop(deps.ctx, reminder);
        if (outcome.done) return;
        deps.logger.info('reminded silent instances of a stop', { agentId: reminder.agentId, version: reminder.version, reminded: outcome.reminded });
        await deps.ctx.reminders?.remindLater(reminder, remindEvery(deps.ctx));
      };
      return processPartialResponse(event, handleRecord, new BatchProcessor(EventType.SQS), { throwOnFullBatchFailure: false });
    });
  return (event, context) => chain(event, context);
};

export const handler: RemindersHandler = lazyHandler(createRemindStops);
