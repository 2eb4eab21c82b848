/**
 * Item-level grants on the state table: `actions` only on items whose partition key starts
 * with one of `prefixes` (IAM's `dynamodb:LeadingKeys`), for functions that write a single
 * kind of item.
 */
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
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
