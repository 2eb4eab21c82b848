/**
 * A Lambda container in a process of its own, for the shutdown test: `haltMiddleware()` from
 * the environment (as in a protected function, `AWS_LAMBDA_FUNCTION_NAME` set), direct reads
 * against `HALT_TEST_DYNAMO_ENDPOINT`; it runs `HALT_TEST_SUCCEEDED` invocations that succeed
 * and `HALT_TEST_FAILED` that throw, prints `ready`, and waits for Lambda's SIGTERM.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import { lambdaContext } from '../../infra/local/lambda-context';
import { haltMiddleware } from '../../sdk/middleware';

const main = async () => {
  const client = new DynamoDBClient({ region: 'local-1', endpoint: process.env.HALT_TEST_DYNAMO_ENDPOINT ?? '', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const handler = middy(async (event: { fail: boolean }) => {
    if (event.fail) throw new Error('the unit failed');
    return 'sent';
  }).use(haltMiddleware({ direct: { client } }));
  const context = lambdaContext({ functionName: process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'container', region: 'local-1' });
  for (let i = 0; i < Number(process.env.HALT_TEST_SUCCEEDED); i++) await handler({ fail: false }, context);
  for (let i = 0; i < Number(process.env.HALT_TEST_FAILED); i++) await handler({ fail: true }, context).catch(() => undefined);
  process.stdout.write('ready\n');
  // A frozen container: nothing keeps it alive but Lambda, until SIGTERM.
  setInterval(() => undefined, 60_000);
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
