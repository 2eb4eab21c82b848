/**
 * Item-level grants on the state table: `actions` only on items whose partition key starts
 * with one of `prefixes` (IAM's `dynamodb:LeadingKeys`), for functions that write a single
 * kind of item.
 */
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Stack } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';

export const grantItemWrites = (options: {
  fn: IFunction;
  table: ITableV2;
  actions: readonly ('dynamodb:PutItem' | 'dynamodb:UpdateItem' | 'dynamodb:DeleteItem' | 'dynamodb:BatchWriteItem')[];
  /** Partition key patterns, e.g. `AUDIT#*`. */
  prefixes: readonly string[];
}): void => {
  if (options.prefixes.length === 0) throw new Error('grantItemWrites: name at least one key prefix, such as "AUDIT#*"');
  options.fn.addToRolePolicy(
    new PolicyStatement({
      effect: Effect.ALLOW,
      actions: [...options.actions],
      resources: [options.table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...options.prefixes] } },
    }),
  );
};

/**
 * The state table's other replicas: a global table has the same name in every region. Functions
 * that change agent items write them in the write region and confirm each change in every
 * region, so they get the reads they make and `writes` (their own actions and key prefixes) on
 * each replica in `regions`.
 */
export const grantOtherReplicas = (options: {
  fn: IFunction;
  table: ITableV2;
  regions: readonly string[];
  writes?: { readonly actions: readonly string[]; readonly prefixes: readonly string[] };
}): void => {
  if (options.regions.length === 0) return;
  const stack = Stack.of(options.fn);
  const replicas = options.regions.map((region) => stack.formatArn({ service: 'dynamodb', region, resource: 'table', resourceName: options.table.tableName }));
  options.fn.addToRolePolicy(
    new PolicyStatement({ effect: Effect.ALLOW, actions: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem'], resources: replicas }),
  );
  if (!options.writes) return;
  options.fn.addToRolePolicy(
    new PolicyStatement({
      effect: Effect.ALLOW,
      actions: [...options.writes.actions],
      resources: replicas,
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...options.writes.prefixes] } },
    }),
  );
};

/**
 * Posting to the other regions' WebSocket connections (a change is told there at once, not
 * after replication): `POST @connections/*` of any API in those regions, since their API ids
 * are only known there (each region finds the others' endpoints in the region registry).
 */
export const grantPeerPushes = (fn: IFunction, regions: readonly string[]): void => {
  if (regions.length === 0) return;
  const stack = Stack.of(fn);
  fn.addToRolePolicy(
    new PolicyStatement({
      effect: Effect.ALLOW,
      actions: ['execute-api:ManageConnections'],
      resources: regions.map((region) => stack.formatArn({ service: 'execute-api', region, resource: '*', resourceName: '*/POST/@connections/*' })),
    }),
  );
};
