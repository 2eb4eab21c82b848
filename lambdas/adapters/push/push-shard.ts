/**
 * One shard of a fan-out: post one encoded message to up to a few hundred connections with a
 * bounded number in flight, forget the ones that are gone, report the ones that failed. The
 * kill call runs the first shard itself; push workers (Lambda functions in AWS, worker threads
 * locally) run the others with this same code.
 */
import { mapWithConcurrency } from '../../domain/concurrency';
import type { ConnectionRepository } from '../dynamo/connections';
import type { ConnectionPoster } from './signed-poster';

export interface PushShard {
  /** The message, JSON-encoded once for the whole fan-out. */
  readonly data: string;
  readonly connectionIds: readonly string[];
  /**
   * Connections of another region, posted to its management endpoint (a change told straight
   * to the other regions' instances). Absent: this region's own.
   */
  readonly target?: { readonly region: string; readonly endpoint: string };
}

export interface ShardOutcome {
  readonly sent: number;
  readonly gone: number;
  readonly failed: number;
}

export interface ShardPusherDeps {
  readonly poster: ConnectionPoster;
  readonly connections: Pick<ConnectionRepository, 'removeGone'>;
  /** Posts in flight at once. */
  readonly concurrency: number;
  readonly onError: (error: Error, connectionId: string) => void;
}

export const pushShard = async (deps: ShardPusherDeps, shard: PushShard): Promise<ShardOutcome> => {
  const data = Buffer.from(shard.data, 'utf8');
  let sent = 0;
  let gone = 0;
  let failed = 0;
  await mapWithConcurrency(shard.connectionIds, deps.concurrency, async (connectionId) => {
    try {
      if ((await deps.poster.post(connectionId, data)) === 'sent') {
        sent++;
        return;
      }
      gone++;
      // A connection still in its $connect also answers 410: removeGone keeps young ones.
      await deps.connections.removeGone(connectionId, new Date());
    } catch (error) {
      failed++;
      deps.onError(error instanceof Error ? error : new Error(String(error)), connectionId);
    }
  });
  return { sent, gone, failed };
};
