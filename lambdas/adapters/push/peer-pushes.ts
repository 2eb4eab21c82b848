/**
 * Pushes to other regions' connections, straight to each region's management endpoint (found
 * in the region registry, read once a minute at most). The connection ids come from the
 * agent's instance items, which carry the connection and region of every connected instance
 * in every replica. A connection another region no longer has answers 410 and is left to that
 * region, whose own pushes forget it.
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { PeerPushes } from '../../ports/notifier';
import type { RegionEntry } from '../../ports/records';
import { handOffShard, type PushWorkers } from './fan-out-notifier';
import { pushShard, type PushShard, type ShardOutcome } from './push-shard';
import { SignedHttpPoster, type ConnectionPoster } from './signed-poster';

const REGISTRY_TTL_MS = 60_000;

export class RegistryPeerPushes implements PeerPushes {
  private readonly peers: readonly string[];
  private readonly lookup: (regions: readonly string[]) => Promise<RegionEntry[]>;
  private readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  private readonly concurrency: number;
  private readonly onError: (error: Error, connectionId: string) => void;
  private registry: { readonly at: number; readonly entries: Promise<Map<string, RegionEntry>> } | undefined;
  private readonly posters = new Map<string, { endpoint: string; poster: ConnectionPoster }>();
  private readonly workers: PushWorkers | undefined;
  private readonly shardSize: number;

  public constructor(options: {
    /** The deployment's other regions. */
    peers: readonly string[];
    /** Reads registry entries (the repository's `getRegions`). */
    lookup: (regions: readonly string[]) => Promise<RegionEntry[]>;
    credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
    concurrency: number;
    /** Shards beyond the first go to this region's push workers (absent: all posted here). */
    workers?: PushWorkers;
    /** Connections per shard. @default 500 */
    shardSize?: number;
    onError: (error: Error, connectionId: string) => void;
  }) {
    this.workers = options.workers;
    this.shardSize = options.shardSize ?? 500;
    this.peers = options.peers;
    this.lookup = options.lookup;
    this.credentials = options.credentials;
    this.concurrency = options.concurrency;
    this.onError = options.onError;
  }

  public regions(): readonly string[] {
    return this.peers;
  }

  /**
   * Post to `region`'s connections: the first shard here, the others handed to this region's
   * push workers (each posts its shard to that region's endpoint), as a fan-out at home does.
   */
  public async push(region: string, connectionIds: readonly string[], message: object): Promise<number> {
    if (connectionIds.length === 0) return 0;
    const endpoint = await this.endpointOf(region);
    if (!endpoint) {
      this.onError(new Error(`region ${region} is not in the region registry yet; its instances hear of the change from its own stream`), connectionIds[0] ?? '');
      return 0;
    }
    const data = JSON.stringify(message);
    const shards: PushShard[] = [];
    for (let i = 0; i < connectionIds.length; i += this.shardSize) {
      shards.push({ data, connectionIds: connectionIds.slice(i, i + this.shardSize), target: { region, endpoint } });
    }
    const [first, ...rest] = shards as [PushShard, ...PushShard[]];
    const counts = await Promise.all([this.postShard(first).then((o) => o.sent), ...rest.map((shard) => this.handOff(shard))]);
    return counts.reduce((a, b) => a + b, 0);
  }

  /** Post one shard of another region's connections here and now (what a push worker does with one). */
  public postShard(shard: PushShard): Promise<ShardOutcome> {
    if (!shard.target) throw new Error('a peer shard names its target region and endpoint');
    const poster = this.posterFor(shard.target.region, shard.target.endpoint);
    return pushShard({ poster, connections: { removeGone: async () => false }, concurrency: this.concurrency, onError: this.onError }, shard);
  }

  private async handOff(shard: PushShard): Promise<number> {
    if (!this.workers) return (await this.postShard(shard)).sent;
    return handOffShard(this.workers, shard, (s) => this.postShard(s), this.onError);
  }

  private async endpointOf(region: string): Promise<string | undefined> {
    if (!this.registry || Date.now() - this.registry.at > REGISTRY_TTL_MS) {
      const entries = this.lookup(this.peers).then((list) => new Map(list.map((e) => [e.region, e])));
      // A failed read is not kept: the next push reads again.
      entries.catch(() => {
        this.registry = undefined;
      });
      this.registry = { at: Date.now(), entries };
    }
    return (await this.registry.entries).get(region)?.managementEndpoint;
  }

  private posterFor(region: string, endpoint: string): ConnectionPoster {
    const known = this.posters.get(region);
    if (known?.endpoint === endpoint) return known.poster;
    const poster = new SignedHttpPoster({ endpoint, region, credentials: this.credentials, maxSockets: this.concurrency, maxAttempts: 2 });
    this.posters.set(region, { endpoint, poster });
    return poster;
  }
}
