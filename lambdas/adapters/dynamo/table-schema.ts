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
  /** Every connection opened with one key: closed when the key is revoked. */
  ofKey: (keyId: string, connectionId: string) => ({ pk: `KEYCONN#${keyId}`, sk: `CONN#${connectionId}` }),
} as const;

export const GSI1 = 'gsi1';

/**
 * The attribute an acknowledgement sets on the instance item, and every other write of the
 * instance removes: it lets the stream's event filter pass acknowledgements and nothing else
 * of an instance (heartbeats never invoke the consumer).
 */
export const ACK_MARK = 'ackedAt';

/**
 * Lambda event filters of the stream consumer (alternatives: a record passing either is
 * delivered): agent items carry the changes worth an audit event; instance items written by an
 * acknowledgement carry the "N of M stopped" progress for watchers. Usage counters,
 * checkpoints, heartbeats and keys never invoke it.
 */
/**
 * Retries of a failing batch before the consumer's event source mapping gives up on it and
 * writes it to the on-failure bucket (the stack's setting; the local poller's too).
 */
export const STREAM_RETRY_ATTEMPTS = 10;

/** Sort-key prefix of stop markers (domain/stop-markers.ts). */
export const STOP_MARKER_PREFIX = 'AGENT#STOP#';

/**
 * Filters an event source mapping may have: 5, Lambda's default quota
 * (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html); the local poller
 * refuses more, as CreateEventSourceMapping would.
 */
export const MAX_EVENT_FILTERS = 5;

export const STATE_STREAM_FILTERS = [
  { dynamodb: { Keys: { sk: { S: ['AGENT'] } } } },
  // A stop marker written (here, or arriving by replication): the write region folds it.
  { eventName: ['INSERT', 'MODIFY'], dynamodb: { Keys: { sk: { S: [{ prefix: STOP_MARKER_PREFIX }] } } } },
  { dynamodb: { Keys: { sk: { S: [{ prefix: 'INSTANCE#' }] } }, NewImage: { [ACK_MARK]: { S: [{ exists: true }] } } } },
  // Fleet-wide action kills (audited, pushed to every connection, on the bus) and approvals
  // created or moved on (pushed to the agent and to watchers, on the bus). One filter for both:
  // Lambda takes at most five per event source mapping (its default quota).
  { eventName: ['INSERT', 'MODIFY'], dynamodb: { Keys: { pk: { S: ['FLEET#ACTIONS', { prefix: 'APPROVAL#' }] } } } },
  // A key revoked (its by-id item removed, here or by replication): close its connections.
  { eventName: ['REMOVE'], dynamodb: { Keys: { pk: { S: [{ prefix: 'KEYID#' }] } } } },
] as const;

type FilterRule = string | { readonly prefix: string } | { readonly exists: boolean };
type FilterFields = Readonly<Record<string, { readonly S: readonly FilterRule[] }>>;

/** A string attribute against one field's rules (alternatives), as the rule language reads them. */
const matchesRules = (value: string | undefined, rules: readonly FilterRule[]): boolean =>
  rules.some((rule) =>
    typeof rule === 'string' ? value === rule : 'prefix' in rule ? value?.startsWith(rule.prefix) === true : (value !== undefined) === rule.exists,
  );

/**
 * Whether a stream record (Lambda's wire shape) passes `STATE_STREAM_FILTERS`: some filter
 * whose every field matches. The local poller applies the very filters the stack deploys.
 */
export const passesStateStreamFilter = (record: {
  readonly eventName?: string;
  readonly Keys?: Readonly<Record<string, { S?: string }>>;
  readonly NewImage?: Readonly<Record<string, { S?: string }>>;
}): boolean =>
  STATE_STREAM_FILTERS.some(
    (pattern) =>
      (!('eventName' in pattern) || matchesRules(record.eventName, pattern.eventName)) &&
      (Object.entries(pattern.dynamodb) as ['Keys' | 'NewImage', FilterFields][]).every(([part, fields]) =>
        Object.entries(fields).every(([name, { S: rules }]) => matchesRules(record[part]?.[name]?.S, rules)),
      ),
  );

/** Partition-key prefixes of the state table: item keys are built from them, IAM conditions too. */
export const PARTITION = {
  agent: 'AGENT#',
  tag: 'TAG#',
  keyByHash: 'KEY#',
  keyById: 'KEYID#',
  hardStop: 'HARDSTOP#',
  audit: 'AUDIT#',
  doctor: 'DOCTOR#',
  region: 'REGION#',
  fleet: 'FLEET#',
  approval: 'APPROVAL#',
  mcpServer: 'MCPSERVER#',
} as const;

export type PartitionKind = keyof typeof PARTITION;

/** `dynamodb:LeadingKeys` patterns for the given partitions (`AGENT#*`, …), for the narrowest grants. */
export const leadingKeys = (...kinds: readonly PartitionKind[]): string[] => kinds.map((kind) => `${PARTITION[kind]}*`);

/** Item keys, one helper per item type. */
export const keys = {
  agent: (agentId: string) => ({ pk: `${PARTITION.agent}${agentId}`, sk: 'AGENT' }),
  /** A region of the deployment, as others find it at run time (its WebSocket management endpoint). */
  region: (region: string) => ({ pk: `${PARTITION.region}${region}`, sk: 'REGION' }),
  /** A region's stop marker: under the agent's key, its sort key starting like the agent item's (one query reads both). */
  stopMarker: (agentId: string, region: string) => ({ pk: `${PARTITION.agent}${agentId}`, sk: `${STOP_MARKER_PREFIX}${region}` }),
  agentTag: (tag: string, agentId: string) => ({ pk: `${PARTITION.tag}${tag}`, sk: `AGENT#${agentId}` }),
  instance: (agentId: string, instanceId: string) => ({ pk: `${PARTITION.agent}${agentId}`, sk: `INSTANCE#${instanceId}` }),
  /**
   * Usage counters, one item per region: replicas of a global table settle concurrent writes by
   * last writer wins, so counters written in two regions must never be the same item.
   */
  usage: (agentId: string, window: string, region: string) => ({ pk: `${PARTITION.agent}${agentId}`, sk: `USAGE#${window}#${region}` }),
  /** Marks that a limit's breach in a window was acted on (it expires with the window). */
  breach: (agentId: string, breach: string) => ({ pk: `${PARTITION.agent}${agentId}`, sk: `BREACH#${breach}` }),
  failureStreak: (agentId: string) => ({ pk: `${PARTITION.agent}${agentId}`, sk: 'FAILSTREAK' }),
  checkpoint: (agentId: string, name: string) => ({ pk: `${PARTITION.agent}${agentId}`, sk: `CHECKPOINT#${name}` }),
  keyByHash: (hash: string) => ({ pk: `${PARTITION.keyByHash}${hash}`, sk: 'KEY' }),
  keyById: (keyId: string) => ({ pk: `${PARTITION.keyById}${keyId}`, sk: 'KEY' }),
  /** A function braked by the hard stop, with its previous reserved concurrency. */
  hardStop: (agentId: string, functionArn: string) => ({ pk: `${PARTITION.hardStop}${agentId}`, sk: `FN#${functionArn}` }),
  /**
   * An audit event of a chain (an agent's, or `FLEET_CHAIN`): versioned changes at `V#<version>`,
   * approval events after their version at `V#<version>#A<approvalSeq>`, so one query reads the
   * chain in order.
   */
  audit: (chain: string, version: number, approvalSeq?: number) => ({
    pk: `${PARTITION.audit}${chain}`,
    sk: `V#${padVersion(version)}${approvalSeq !== undefined ? `#A${padVersion(approvalSeq)}` : ''}`,
  }),
  /** Every action glob killed fleet-wide, in one versioned item. */
  fleetActions: () => ({ pk: `${PARTITION.fleet}ACTIONS`, sk: 'FLEET' }),
  /** A region's fleet stop marker: globs it killed while the write region did not answer. */
  fleetStopMarker: (region: string) => ({ pk: `${PARTITION.fleet}ACTIONS`, sk: `STOP#${region}` }),
  /** An upstream MCP server of the registry. */
  mcpServer: (server: string) => ({ pk: `${PARTITION.mcpServer}${server}`, sk: 'MCPSERVER' }),
  approval: (approvalId: string) => ({ pk: `${PARTITION.approval}${approvalId}`, sk: 'APPROVAL' }),
  /** An approval still open (pending, or approved and unused), under its agent: found by the agent's kill, and by an identical call. */
  openApproval: (agentId: string, approvalId: string) => ({ pk: `${PARTITION.agent}${agentId}`, sk: `APPROVAL#${approvalId}` }),
  /** A bus event about one of `halt doctor`'s throwaway agents, as the bus probe saw it. */
  doctorEvent: (agentId: string, eventId: string) => ({ pk: `${PARTITION.doctor}${agentId}`, sk: `EVENT#${eventId}` }),
} as const;

/** Partition values of the list index. */
export const LISTS = { agents: 'AGENTS', keys: 'KEYS', audit: 'AUDIT', approvals: 'APPROVALS', mcpServers: 'MCPSERVERS' } as const;

export const PREFIX = {
  instance: 'INSTANCE#',
  checkpoint: 'CHECKPOINT#',
  usage: 'USAGE#',
  auditVersion: 'V#',
  openApproval: 'APPROVAL#',
} as const;

export const padVersion = (version: number): string => version.toString().padStart(12, '0');
