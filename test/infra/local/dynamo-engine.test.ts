import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { JavaNotFoundError, startDynamoEngine } from '../../../infra/local/dynamo-engine';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const clientFor = (endpoint: string) =>
  new DynamoDBClient({ region: 'local-1', endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });

describe('DynamoDB Local engine', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'halt-engine-'));

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps data on disk across a restart and leaves no process behind', async () => {
    // GIVEN an engine with a table and an item
    const first = await startDynamoEngine({ dataDir });
    const client = clientFor(first.endpoint);
    await client.send(
      new CreateTableCommand({
        TableName: 'kept',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    await client.send(new PutItemCommand({ TableName: 'kept', Item: { pk: { S: 'a' }, v: { N: '42' } } }));
    client.destroy();

    // WHEN it stops
    await first.stop();

    // THEN its process is gone
    expect(alive(first.pid)).toBe(false);

    // AND a new engine on the same folder still has the item
    const second = await startDynamoEngine({ dataDir });
    try {
      const again = clientFor(second.endpoint);
      const { Item } = await again.send(new GetItemCommand({ TableName: 'kept', Key: { pk: { S: 'a' } } }));
      again.destroy();
      expect(Item?.v).toEqual({ N: '42' });
    } finally {
      await second.stop();
    }
    expect(alive(second.pid)).toBe(false);
  });

  it('says how to install Java when it is missing', async () => {
    await expect(startDynamoEngine({ dataDir, javaCommand: join(dataDir, 'no-such-java') })).rejects.toThrow(JavaNotFoundError);
    await expect(startDynamoEngine({ dataDir, javaCommand: join(dataDir, 'no-such-java') })).rejects.toThrow(/apt-get install/);
  });
});
