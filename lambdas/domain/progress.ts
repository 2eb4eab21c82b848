/**
 * "N of M stopped" without reading N instances per batch. The stream consumer reads an
 * agent's instances once, then applies each acknowledgement the stream carries to what it
 * read: a batch of a hundred acknowledgements moves the counts by a hundred, instead of
 * re-reading 10,000 instance items to count them (O(N) reads per batch, O(N²) per kill).
 *
 * What it holds is read again when the agent's version moved, or when it is older than
 * `refreshMs`: heartbeats and connections do not pass the stream's filter, so health and
 * totals are as fresh as that. One consumer environment holds its own copy; another
 * environment simply reads once more.
 */
import type { InstanceRecord } from '../ports/records';
import type { DomainContext } from './context';

interface Held {
  readonly version: number;
  readonly readAt: number;
  readonly instances: Map<string, InstanceRecord>;
}

/** What an acknowledgement in the stream says about its instance. */
export type AcknowledgedInstance = Pick<InstanceRecord, 'agentId' | 'instanceId' | 'acknowledgedVersion' | 'lastHeartbeatAt'>;

export class ProgressTracker {
  private readonly held = new Map<string, Held>();
  private readonly refreshMs: number;

  public constructor(options: { refreshMs?: number } = {}) {
    this.refreshMs = options.refreshMs ?? 5_000;
  }

  /** Apply an acknowledgement the stream carried (to an agent held; others are read when shown). */
  public acknowledged(ack: AcknowledgedInstance): void {
    const instance = this.held.get(ack.agentId)?.instances.get(ack.instanceId);
    if (!instance) return;
    if ((ack.acknowledgedVersion ?? -1) > (instance.acknowledgedVersion ?? -1)) instance.acknowledgedVersion = ack.acknowledgedVersion;
    if (ack.lastHeartbeatAt > instance.lastHeartbeatAt) instance.lastHeartbeatAt = ack.lastHeartbeatAt;
  }

  /** The agent's instances as last read and moved since, read again when stale. */
  public async instancesOf(ctx: DomainContext, agentId: string, version: number): Promise<InstanceRecord[]> {
    const now = ctx.now().getTime();
    const held = this.held.get(agentId);
    if (held && held.version === version && now - held.readAt < this.refreshMs) return [...held.instances.values()];
    for (const [id, entry] of this.held) if (now - entry.readAt >= this.refreshMs) this.held.delete(id);
    const instances = await ctx.repository.listInstances(agentId);
    this.held.set(agentId, { version, readAt: now, instances: new Map(instances.map((i) => [i.instanceId, { ...i }])) });
    return instances;
  }
}
