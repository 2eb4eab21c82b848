/**
 * What a Lambda function protected by Halt may do with Halt's state table: read its own
 * agent's items (the agent item and its stop markers, for `haltMiddleware`'s direct status
 * reads) and nothing else: `dynamodb:LeadingKeys` is exactly that agent's partition. The CDK
 * construct grants this to the protected function; the local runtime's tests hold the
 * middleware's DynamoDB client to the very same statement.
 */
import { PARTITION } from '../../lambdas/adapters/dynamo/table-schema';

export interface ProtectedReadStatement {
  readonly effect: 'Allow';
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly condition: { readonly 'ForAllValues:StringEquals': { readonly 'dynamodb:LeadingKeys': readonly string[] } };
}

/** The one statement a protected function gets on the state table (`tableArn`, this region's replica). */
export const protectedReadStatement = (agentId: string, tableArn: string): ProtectedReadStatement => ({
  effect: 'Allow',
  actions: ['dynamodb:Query', 'dynamodb:GetItem'],
  resources: [tableArn],
  condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [`${PARTITION.agent}${agentId}`] } },
});

/** What a protected function may do with its agent key's secret: read it (at cold start). */
export const protectedKeyStatement = (secretArn: string) => ({ effect: 'Allow' as const, actions: ['secretsmanager:GetSecretValue'], resources: [secretArn] });
