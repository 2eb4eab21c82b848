/**
 * The one definition of Halt's DynamoDB tables: key schema, indexes, TTL and stream. The CDK
 * stack and the local runtime both build their tables from it, and the repository builds its
 * keys with the helpers below. See docs/data-model.md.
 */

export interface KeyAttribute {
  readonly name: string;
  readonly type: 'S' | 'N';
}

export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
}

export interface TableDefinition {
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
  readonly globalSecondaryIndexes: readonly IndexDefinition[];
  readonly timeToLiveAttribute: string;
  readonly stream: 'NEW_AND_OLD_IMAGES' | null;
}

/** The global table: agents, instances, usage, checkpoints, keys, audit trail. */
export const STATE_TABLE: TableDefinition = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [
    { indexName: 'gsi1', partitionKey: { name: 'gsi1pk', type: 'S' }, sortKey: { name: 'gsi1sk', type: 'S' } },
  ],
  timeToLiveAttribute: 'expiresAt',
  stream: 'NEW_AND_OLD_IMAGES',
};

/**
 * The regional connections table: who is connected to this region's WebSocket API. A
 * connection id means nothing in another region, so this table is never replicated.
 */
export const CONNECTIONS_TABLE: TableDefinition = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [],
  timeToLiveAttribute: 'expiresAt',
  stream: null,
};

/** Keys of the connections table. */
export const connectionKeys = {
  /** The connection itself, by id (disconnect, messages). */
  byId: (connectionId: string) => ({ pk: `CONN#${connectionId}`, sk: 'CONN' }),
  /** An agent's connections, for pushes. */
  ofAgent: (agentId: string, connectionId: string) => ({ pk: `AGENTCONN#${agentId}`, sk: `CONN#${connectionId}` }),
  /** Operators and viewers watching every change. */
  watcher: (connectionId: string) => ({ pk: 'WATCHERS', sk: `CONN#${connectionId}` }),
} as const;

export const GSI1 = 'gsi1';

/**
 * Lambda event filter for the stream consumer: agent items carry the changes worth an audit
 * event, acknowledgement counters the "N of M stopped" progress for watchers; heartbeats,
 * usage counters and checkpoints never invoke it. (Values in a filter list are alternatives;
 * `prefix` is the rule language's begins-with.)
 */
export const STATE_STREAM_FILTER = { dynamodb: { Keys: { sk: { S: ['AGENT', { prefix: 'ACKS#' }] } } } } as const;

/** Whether a stream record's sort key passes `STATE_STREAM_FILTER` (the local poller applies it as Lambda does). */
export const passesStateStreamFilter = (sk: string): boolean =>
  STATE_STREAM_FILTER.dynamodb.Keys.sk.S.some((rule) => (typeof rule === 'string' ? sk === rule : sk.startsWith(rule.prefix)));

/** Item keys, one helper per item type. */
export const keys = {
  agent: (agentId: string) => ({ pk: `AGENT#${agentId}`, sk: 'AGENT' }),
  agentTag: (tag: string, agentId: string) => ({ pk: `TAG#${tag}`, sk: `AGENT#${agentId}` }),
  instance: (agentId: string, instanceId: string) => ({ pk: `AGENT#${agentId}`, sk: `INSTANCE#${instanceId}` }),
  /**
   * Usage counters, one item per region: replicas of a global table settle concurrent writes by
   * last writer wins, so counters written in two regions must never be the same item.
   */
  usage: (agentId: string, window: string, region: string) => ({ pk: `AGENT#${agentId}`, sk: `USAGE#${window}#${region}` }),
  checkpoint: (agentId: string, name: string) => ({ pk: `AGENT#${agentId}`, sk: `CHECKPOINT#${name}` }),
  keyByHash: (hash: string) => ({ pk: `KEY#${hash}`, sk: 'KEY' }),
  keyById: (keyId: string) => ({ pk: `KEYID#${keyId}`, sk: 'KEY' }),
  /** A function braked by the hard stop, with its previous reserved concurrency. */
  hardStop: (agentId: string, functionArn: string) => ({ pk: `HARDSTOP#${agentId}`, sk: `FN#${functionArn}` }),
  audit: (agentId: string, version: number) => ({ pk: `AUDIT#${agentId}`, sk: `V#${padVersion(version)}` }),
  /**
   * How many instances acknowledged `version`, counted by the region that took each
   * acknowledgement (one item per region, like usage: concurrent counts never meet).
   */
  acks: (agentId: string, version: number, region: string) => ({ pk: `AGENT#${agentId}`, sk: `ACKS#${padVersion(version)}#${region}` }),
} as const;

/** Partition values of the list index. */
export const LISTS = { agents: 'AGENTS', keys: 'KEYS', audit: 'AUDIT' } as const;

export const PREFIX = {
  instance: 'INSTANCE#',
  checkpoint: 'CHECKPOINT#',
  usage: 'USAGE#',
  auditVersion: 'V#',
  acks: 'ACKS#',
} as const;

export const padVersion = (version: number): string => version.toString().padStart(12, '0');
