/**
 * Re-drive the stream batches the consumer gave up on: each is handed to the consumer again,
 * and removed only once every record in it went through. The consumer is idempotent (one audit
 * item per version, written if absent; pushes carry versions the SDK ignores when old), so a
 * batch replayed twice does no harm. Stops starting new batches when the invocation's time is
 * nearly up, and says what is left.
 */
import type { FailedBatch, FailedBatchStore, StreamConsumerInvoker } from '../ports/failed-batches';

/** Stop starting batches with less than this left (one consumer run with pushes fits in it). */
export const REPLAY_MARGIN_MS = 5_000;

/** A failed batch as the API shows it: where it came from, how many records, which agents. */
export interface FailedBatchSummary extends Omit<FailedBatch, 'event'> {
  readonly records: number;
  readonly agentIds: string[];
}

export const summarize = (batch: FailedBatch): FailedBatchSummary => ({
  key: batch.key,
  failedAt: batch.failedAt,
  condition: batch.condition,
  shardId: batch.shardId,
  startSequenceNumber: batch.startSequenceNumber,
  endSequenceNumber: batch.endSequenceNumber,
  records: batch.event.Records.length,
  agentIds: [...new Set(batch.event.Records.flatMap((r) => {
    const image = r.dynamodb?.NewImage ?? r.dynamodb?.OldImage;
    const agentId = image?.agentId?.S;
    return agentId ? [agentId] : [];
  }))].sort(),
});

export const listFailedBatches = async (store: FailedBatchStore, limit: number): Promise<{ batches: FailedBatchSummary[]; more: boolean }> => {
  const { keys, more } = await store.list({ limit });
  const batches = await Promise.all(keys.map(async (key) => summarize(await store.read(key))));
  return { batches, more };
};

export interface ReplayOutcome {
  readonly replayed: FailedBatchSummary[];
  readonly failed: (FailedBatchSummary & { readonly error: string })[];
  /** Every failed batch present when the call began was tried (none left untried). */
  readonly complete: boolean;
}

export const replayFailedBatches = async (options: {
  store: FailedBatchStore;
  consumer: StreamConsumerInvoker;
  timeLeftMs: () => number;
  /** @default 100 */
  pageSize?: number;
}): Promise<ReplayOutcome> => {
  const replayed: FailedBatchSummary[] = [];
  const failed: (FailedBatchSummary & { error: string })[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await options.store.list({ limit: options.pageSize ?? 100, ...(after ? { after } : {}) });
    for (const key of page.keys) {
      if (options.timeLeftMs() < REPLAY_MARGIN_MS) return { replayed, failed, complete: false };
      after = key;
      const batch = await options.store.read(key);
      const summary = summarize(batch);
      const outcome = await options.consumer.run(batch.event).catch((error: unknown) => ({ failed: batch.event.Records.length, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }));
      if (outcome.failed > 0 || outcome.error) {
        failed.push({ ...summary, error: outcome.error ?? `${outcome.failed} record(s) failed again` });
        continue;
      }
      await options.store.remove(key);
      replayed.push(summary);
    }
    if (!page.more) return { replayed, failed, complete: true };
  }
};
