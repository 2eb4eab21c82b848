/**
 * The first operator key of a deployed Halt: written straight to the state table with your
 * AWS credentials (nobody holds a key yet to call POST /v1/keys), printed once, never stored.
 *
 *   npm run operator-key -- --region us-east-1 --table <StateTableName> [--name ops-bootstrap]
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mintKey } from '../../lambdas/domain/api-keys';
import { createDynamoRepository } from '../../lambdas/adapters/dynamo/dynamo-repository';

const main = async () => {
  const { values } = parseArgs({
    options: { region: { type: 'string' }, table: { type: 'string' }, name: { type: 'string', default: 'operator-bootstrap' } },
  });
  if (!values.region || !values.table) {
    console.error('usage: npm run operator-key -- --region <region> --table <StateTableName output> [--name <key name>]');
    process.exitCode = 2;
    return;
  }
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: values.region }), { marshallOptions: { removeUndefinedValues: true } });
  const repository = createDynamoRepository({ client, tableName: values.table, region: values.region });
  const { secret, record } = mintKey({ name: values.name, role: 'operator', now: new Date() });
  await repository.putKey(record);
  console.log(`operator key "${record.name}" (${record.keyId}), shown once — store it now:\n${secret}`);
};

main().catch((error: unknown) => {
  console.error('could not create the key:', error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
