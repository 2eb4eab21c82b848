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
import { pushShard } from './push-shard';
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

  public constructor(options: {
    /** The deployment's other regions. */
    peers: readonly string[];
    /** Reads registry entries (the repository's `getRegions`). */
    lookup: (regions: readonly string[]) => Promise<RegionEntry[]>;
    credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
    concurrency: number;
    onError: (error: Error, connectionId: string) => void;
  }) {
    this.peers = options.peers;
    this.lookup = options.lookup;
    this.credentials = options.credentials;
    this.concurrency = options.concurrency;
    this.onError = options.onError;
  }

  public regions(): readonly string[] {
    return this.peers;
  }

  public async push(region: string, connectionIds: readonly string[], message: object): Promise<number> {
    if (connectionIds.length === 0) return 0;
    const poster = await this.posterOf(region);
    if (!poster) {
      this.onError(new Error(`region ${region} is not in the region registry yet; its instances hear of the change from its own stream`), connectionIds[0] ?? '');
      return 0;
    }
    const outcome = await pushShard(
      { poster, connections: { removeGone: async () => false }, concurrency: this.concurrency, onError: this.onError },
      { data: JSON.stringify(message), connectionIds },
    );
    return outcome.sent;
  }

  private async posterOf(region: string): Promise<ConnectionPoster | undefined> {
    if (!this.registry || Date.now() - this.registry.at > REGISTRY_TTL_MS) {
      const entries = this.lookup(this.peers).then((list) => new Map(list.map((e) => [e.region, e])));
      // A failed read is not kept: the next push reads again.
      entries.catch(() => {
        this.registry = undefined;
      });
      this.registry = { at: Date.now(), entries };
    }
    const entry = (await this.registry.entries).get(region);
    if (!entry) return undefined;
    const known = this.posters.get(region);
    if (known?.endpoint === entry.managementEndpoint) return known.poster;
    const poster = new SignedHttpPoster({ endpoint: entry.managementEndpoint, region, credentials: this.credentials, maxSockets: this.concurrency, maxAttempts: 2 });
    this.posters.set(region, { endpoint: entry.managementEndpoint, poster });
    return poster;
  }
}
