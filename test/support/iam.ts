/**
 * Stack policies with a grant taken away (how tests show what a missing grant does), and the
 * DynamoDB client of a user function `protect` put under an agent, held to its one statement.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { protectedKeyStatement, protectedReadStatement } from '../../infra/constructs/protect';
import { LocalIam, enforcePolicy, type AccessDenial } from '../../infra/local/iam/local-iam';
import type { FunctionPolicies } from '../../infra/local/iam/policy';
import { LOCAL_ACCOUNT } from '../../infra/local/lambda-context';
import { LOCAL_STATE_TABLE, type LocalRegion } from '../../infra/local/local-region';
import { STATE_TABLE } from '../../lambdas/adapters/dynamo/table-schema';

/** `policies`, less `action` in `functionId`'s statements (fails if it had no such grant). */
export const withoutGrant = (policies: FunctionPolicies, functionId: string, action: string): FunctionPolicies => {
  const statements = policies.functions[functionId];
  if (!statements?.some((s) => s.actions.includes(action))) throw new Error(`${functionId} has no ${action} grant to take away`);
  return {
    ...policies,
    functions: {
      ...policies.functions,
      [functionId]: statements.map((s) => ({ ...s, actions: s.actions.filter((a) => a !== action) })).filter((s) => s.actions.length > 0),
    },
  };
};

/**
 * The clients of a user function protected for `agentId` in `region`, held by the local IAM to
 * what `protect` grants, as its role is in AWS: DynamoDB to `protectedReadStatement` (its own
 * agent's partition, read only) and, with `createKey`, Secrets Manager to reading its key's
 * secret (`protectedKeyStatement`).
 */
export const protectedFunctionClients = (region: LocalRegion, agentId: string, onDenied: (denial: AccessDenial) => void, keySecretArn?: string) => {
  const tableArn = `arn:aws:dynamodb:${region.region}:${LOCAL_ACCOUNT}:table/${LOCAL_STATE_TABLE}`;
  const iam = new LocalIam({
    region: region.region,
    names: { stateTable: LOCAL_STATE_TABLE, connectionsTable: 'none', eventBus: 'none', pushWorker: 'none', webSocketApi: 'none', failedBatches: 'none', streamConsumer: 'none', remindersQueue: 'none', mcpHeaderKey: 'none' },
    hardStopFunctions: [],
    partitionKeys: { [LOCAL_STATE_TABLE]: STATE_TABLE.partitionKey.name },
    policies: {
      note: 'a protected user function',
      functions: { 'User/Mailer': [protectedReadStatement(agentId, tableArn), ...(keySecretArn ? [protectedKeyStatement(keySecretArn)] : [])] },
      settings: {},
    },
  });
  const credentials = { accessKeyId: 'usermailer', secretAccessKey: 'local' };
  const dynamo = new DynamoDBClient({ region: region.region, endpoint: region.dynamoEndpoint, credentials });
  enforcePolicy({ client: dynamo, service: 'dynamodb', functionId: 'User/Mailer', iam, onDenied });
  const secrets = new SecretsManagerClient({ region: region.region, endpoint: region.secrets.endpoint, credentials, maxAttempts: 1 });
  enforcePolicy({ client: secrets, service: 'secretsmanager', functionId: 'User/Mailer', iam, onDenied });
  return { dynamo, secrets };
};

/** The DynamoDB client alone (direct reads, no key secret). */
export const protectedFunctionClient = (region: LocalRegion, agentId: string, onDenied: (denial: AccessDenial) => void): DynamoDBClient =>
  protectedFunctionClients(region, agentId, onDenied).dynamo;
