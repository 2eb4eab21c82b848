/**
 * The push port of the domain: how a change reaches connected instances and watchers. The AWS
 * adapter fans out over API Gateway's management API (lambdas/adapters/push/); tests may hand
 * the domain an in-memory one.
 */

export interface PushOptions {
  /** Instances not to tell (they already acknowledged what is being pushed). */
  readonly skipInstances?: ReadonlySet<string>;
}

export interface Notifier {
  /**
   * Send `message` to every connection of the agent in this region. Resolves, once the
   * message is sent to the first shard of connections and handed to push workers for the
   * rest, to how many connections it was sent or handed to.
   */
  pushToAgent(agentId: string, message: object, options?: PushOptions): Promise<number>;
  /**
   * Send to every watcher (operators and viewers with `?watch=all`) in this region. Given a
   * function, the message is built only when someone is watching.
   */
  pushToWatchers(message: object | (() => Promise<object>)): Promise<number>;
  /** Send to one connection; false when it is gone. */
  send(connectionId: string, message: object): Promise<boolean>;
}

/** Closes the connections a revoked key opened, in this region. */
export interface ConnectionCloser {
  /** Close every connection opened with `keyId` and forget it; resolves to how many there were. */
  closeConnectionsOfKey(keyId: string): Promise<number>;
}

/**
 * Pushes from this region straight to another region's WebSocket connections (each region's
 * management endpoint from the region registry): an instance connected elsewhere hears of a
 * change in about a cross-region round trip, not after replication.
 */
export interface PeerPushes {
  /** The other regions this one can post to. */
  regions(): readonly string[];
  /** Send `message` to these connections of `region`; resolves to how many it was sent to. */
  push(region: string, connectionIds: readonly string[], message: object): Promise<number>;
}
