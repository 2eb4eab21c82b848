/**
 * The notifier of the deployed stack and the local runtime: an agent's connections are read
 * in pages, cut into shards, the first shard is posted by the caller itself and every other
 * shard is handed to a push worker, so a kill of 10,000 instances is as fast as a few hundred
 * posts, not 10,000 in a row. The message is encoded once per fan-out.
 */
import type { ConnectionRepository } from '../dynamo/connections';
import type { Notifier, PushOptions } from '../../ports/notifier';
import { pushShard, type PushShard, type ShardOutcome } from './push-shard';
import type { ConnectionPoster } from './signed-poster';

/** Where shards beyond the first go: push worker functions in AWS, worker threads locally. */
export interface PushWorkers {
  /** Resolves once the shard is accepted (not once it is posted). */
  dispatch(shard: PushShard): Promise<void>;
}

export interface FanOutSettings {
  /** Connections per shard: the caller posts the first, a worker each of the others. @default 500 */
  readonly shardSize?: number;
  /** Posts in flight per shard. @default 50 */
  readonly concurrency?: number;
  /**
   * The caller posts the first shard itself (it saves an invocation's latency), and hands the
   * others off. False: every shard goes to a worker and the caller answers as soon as they are
   * handed off (the local runtime, whose callers share the gateways' one event loop).
   * @default true
   */
  readonly callerShard?: boolean;
}

/**
 * 500 × 50 in flight: in the AWS model (bench/aws-fan-out-model.ts) the fastest setting that
 * tells 10,000 instances within a second without tripping API Gateway's account limit.
 */
export const DEFAULT_SHARD_SIZE = 500;
export const DEFAULT_PUSH_CONCURRENCY = 50;

/**
 * Hand a shard to a worker; if no worker takes it, post it here (`postHere`) rather than lose
 * it. Resolves to how many connections it was handed or sent to.
 */
export const handOffShard = async (
  workers: PushWorkers,
  shard: PushShard,
  postHere: (shard: PushShard) => Promise<ShardOutcome>,
  onError: (error: Error, connectionId: string) => void,
): Promise<number> => {
  try {
    await workers.dispatch(shard);
    return shard.connectionIds.length;
  } catch (error) {
    const where = shard.target ? ` for ${shard.target.region}` : '';
    onError(new Error(`no push worker took a shard of ${shard.connectionIds.length}${where}; posting it here`, { cause: error }), shard.connectionIds[0] ?? '');
    return (await postHere(shard)).sent;
  }
};

export class FanOutNotifier implements Notifier {
  private readonly connections: ConnectionRepository;
  private readonly poster: ConnectionPoster;
  private readonly workers: PushWorkers | undefined;
  private readonly shardSize: number;
  private readonly concurrency: number;
  private readonly callerShard: boolean;
  private readonly onError: (error: Error, connectionId: string) => void;

  public constructor(options: FanOutSettings & {
    connections: ConnectionRepository;
    poster: ConnectionPoster;
    /** None: every shard is posted by the caller. */
    workers?: PushWorkers;
    onError: (error: Error, connectionId: string) => void;
  }) {
    this.connections = options.connections;
    this.poster = options.poster;
    this.workers = options.workers;
    this.shardSize = options.shardSize ?? DEFAULT_SHARD_SIZE;
    this.concurrency = options.concurrency ?? DEFAULT_PUSH_CONCURRENCY;
    this.callerShard = options.callerShard ?? true;
    this.onError = options.onError;
  }

  public async pushToAgent(agentId: string, message: object, options: PushOptions = {}): Promise<number> {
    const data = JSON.stringify(message);
    const skip = options.skipInstances;
    const posted: Promise<ShardOutcome>[] = [];
    const handedOff: Promise<number>[] = [];
    let pending: string[] = [];
    const flush = () => {
      const shard: PushShard = { data, connectionIds: pending };
      pending = [];
      if (!this.workers || (this.callerShard && posted.length === 0)) posted.push(this.postShard(shard));
      else handedOff.push(this.handOff(shard));
    };
    for await (const page of this.connections.pagesOfAgent(agentId)) {
      for (const connection of page) {
        if (skip && connection.instanceId !== undefined && skip.has(connection.instanceId)) continue;
        pending.push(connection.connectionId);
        if (pending.length === this.shardSize) flush();
      }
    }
    if (pending.length > 0) flush();
    const [outcomes, handed] = await Promise.all([Promise.all(posted), Promise.all(handedOff)]);
    return outcomes.reduce((n, o) => n + o.sent, 0) + handed.reduce((n, h) => n + h, 0);
  }

  public async pushToWatchers(message: object | (() => Promise<object>)): Promise<number> {
    const watchers = await this.connections.watchers();
    if (watchers.length === 0) return 0;
    const body = typeof message === 'function' ? await message() : message;
    const outcome = await this.postShard({ data: JSON.stringify(body), connectionIds: watchers.map((w) => w.connectionId) });
    return outcome.sent;
  }

  public async send(connectionId: string, message: object): Promise<boolean> {
    const outcome = await this.postShard({ data: JSON.stringify(message), connectionIds: [connectionId] });
    return outcome.sent === 1;
  }

  /** Post one shard here and now (the first of a fan-out, or what a push worker was handed). */
  public postShard(shard: PushShard): Promise<ShardOutcome> {
    return pushShard({ poster: this.poster, connections: this.connections, concurrency: this.concurrency, onError: this.onError }, shard);
  }

  private handOff(shard: PushShard): Promise<number> {
    return handOffShard(this.workers as PushWorkers, shard, (s) => this.postShard(s), this.onError);
  }
}
