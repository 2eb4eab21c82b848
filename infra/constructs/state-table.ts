/**
 * The state table, built from the one definition in lambdas/core/table-schema.ts: keys, the
 * list index, TTL and the stream. Data is kept: point-in-time recovery, deletion protection,
 * `RETAIN`. Replicas make it a global table.
 */
import { RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import { AttributeType, Billing, StreamViewType, TableV2, type Attribute } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import type { KeyAttribute, TableDefinition } from '../../lambdas/core/table-schema';

export interface StateTableProps {
  /** The table definition (keys, indexes, TTL, stream). */
  readonly definition: TableDefinition;
  /**
   * Regions that get a replica (a global table). Must not include the stack's own region, and
   * the stack needs an explicit region.
   * @default - no replicas
   */
  readonly replicaRegions?: readonly string[];
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
      replicas: replicaRegions.map((region) => ({ region, deletionProtection: true, pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true } })),
    });
  }
}
