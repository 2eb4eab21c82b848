/**
 * The state table, built from the one definition in lambdas/core/table-schema.ts: keys, the
 * list index, TTL and the stream. Data is kept: point-in-time recovery, deletion protection,
 * `RETAIN`. Replicas make it a global table.
 */
import { RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import { AttributeType, Billing, MultiRegionConsistency, StreamViewType, TableV2, type Attribute } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import type { KeyAttribute, TableDefinition } from '../../lambdas/adapters/dynamo/table-schema';

/**
 * `eventual` (the default): replicas converge within about a second, writes win by last
 * writer. `strong`: multi-Region strong consistency, which AWS offers only for three regions of
 * one region set (three replicas, or two and a witness region).
 */
export type Consistency = 'eventual' | { readonly strong: { readonly witnessRegion?: string } };

/** Region sets in which AWS offers multi-Region strong consistency. */
export const STRONG_CONSISTENCY_REGION_SETS: readonly (readonly string[])[] = [
  ['us-east-1', 'us-east-2', 'us-west-2'],
  ['eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1'],
  ['ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3'],
];

export interface StateTableProps {
  /** The table definition (keys, indexes, TTL, stream). */
  readonly definition: TableDefinition;
  /**
   * Regions that get a replica (a global table). Must not include the stack's own region, and
   * the stack needs an explicit region.
   * @default - no replicas
   */
  readonly replicaRegions?: readonly string[];
  /** @default 'eventual' */
  readonly consistency?: Consistency;
}

const attribute = (key: KeyAttribute): Attribute => ({
  name: key.name,
  type: key.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER,
});

export class StateTable extends Construct {
  public readonly table: TableV2;

  public constructor(scope: Construct, id: string, props: StateTableProps) {
    super(scope, id);
    const replicaRegions = props.replicaRegions ?? [];
    const stackRegion = Stack.of(this).region;
    if (replicaRegions.length > 0) {
      if (Token.isUnresolved(stackRegion)) {
        throw new Error('StateTable: replicaRegions need a stack with an explicit region; pass `env: { region: "us-east-1" }` to the stack');
      }
      if (replicaRegions.includes(stackRegion)) {
        throw new Error(`StateTable: replicaRegions must not include the stack's own region (${stackRegion}); remove it from the list`);
      }
      if (new Set(replicaRegions).size !== replicaRegions.length) {
        throw new Error('StateTable: replicaRegions lists a region twice; list each region once');
      }
    }
    const strong = props.consistency && props.consistency !== 'eventual' ? props.consistency.strong : undefined;
    if (strong) {
      const witness = strong.witnessRegion;
      const regions = [stackRegion, ...replicaRegions, ...(witness ? [witness] : [])];
      if (Token.isUnresolved(stackRegion)) {
        throw new Error('StateTable: strong consistency needs a stack with an explicit region');
      }
      if (regions.length !== 3 || (witness !== undefined && replicaRegions.length !== 1)) {
        throw new Error(
          'StateTable: strong consistency needs exactly three regions: the stack\'s and two replicaRegions, or one replica and a witnessRegion',
        );
      }
      if (!STRONG_CONSISTENCY_REGION_SETS.some((set) => regions.every((r) => set.includes(r)))) {
        throw new Error(
          `StateTable: strong consistency needs all three regions in one region set (${STRONG_CONSISTENCY_REGION_SETS.map((s) => s.join('/')).join('; ')}); got ${regions.join(', ')}`,
        );
      }
    }
    const { definition } = props;
    if (definition.stream !== 'NEW_AND_OLD_IMAGES') {
      throw new Error('StateTable: the stream consumer needs a NEW_AND_OLD_IMAGES stream in the table definition');
    }
    this.table = new TableV2(this, 'Table', {
      partitionKey: attribute(definition.partitionKey),
      sortKey: attribute(definition.sortKey),
      billing: Billing.onDemand(),
      dynamoStream: StreamViewType.NEW_AND_OLD_IMAGES,
      timeToLiveAttribute: definition.timeToLiveAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      globalSecondaryIndexes: definition.globalSecondaryIndexes.map((index) => ({
        indexName: index.indexName,
        partitionKey: attribute(index.partitionKey),
        sortKey: attribute(index.sortKey),
      })),
      ...(strong
        ? { multiRegionConsistency: MultiRegionConsistency.STRONG, ...(strong.witnessRegion ? { witnessRegion: strong.witnessRegion } : {}) }
        : {}),
      replicas: replicaRegions.map((region) => ({ region, deletionProtection: true, pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true } })),
    });
  }
}
