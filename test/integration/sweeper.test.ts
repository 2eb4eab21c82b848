/** The scheduled sweeper reports an instance that keeps heartbeating after a kill without acknowledging it. */
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { LOCAL_STATE_TABLE } from '../../infra/local/local-region';
import { readBusEvents, startTestRuntime, type TestRuntime } from '../support/local-runtime';

describe('sweeper (local runtime)', () => {
  let t: TestRuntime;

  beforeAll(async () => {
    t = await startTestRuntime();
  });

  afterAll(async () => {
    await t?.dispose();
  });

  const ignoringEvents = () => readBusEvents(t.runtime.eventsFile, 'InstanceIgnoringStop');

  it('flags and reports, once, the instance that ignores a kill, but not the one that acknowledged it', async () => {
    // GIVEN an agent with two instances, killed two minutes ago
    const key = (await t.api('POST', '/v1/agents', { body: { agentId: 'stubborn' } })).body.agentKey;
    const killed = await t.api('POST', '/v1/agents/stubborn/kill', { body: { reason: 'stop' } });
    const region = t.runtime.regions[0];
    if (!region) throw new Error('no region');
    const client = new DynamoDBClient({ region: 'local-1', endpoint: region.dynamoEndpoint, credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
    await client.send(
      new UpdateItemCommand({
        TableName: LOCAL_STATE_TABLE,
        Key: { pk: { S: 'AGENT#stubborn' }, sk: { S: 'AGENT' } },
        UpdateExpression: 'SET statusChangedAt = :t',
        ExpressionAttributeValues: { ':t': { S: new Date(Date.now() - 120_000).toISOString() } },
      }),
    );
    client.destroy();

    // WHEN one instance keeps heartbeating without acknowledging, and the other acknowledges
    await t.api('POST', '/v1/agents/stubborn/heartbeat', { key, body: { instanceId: 'ignorer' } });
    await t.api('POST', '/v1/agents/stubborn/heartbeat', { key, body: { instanceId: 'good', acknowledgedVersion: killed.body.version } });

    // THEN the agent shows one instance ignoring the stop
    const agent = await t.api('GET', '/v1/agents/stubborn');
    expect(agent.body.instances).toEqual({ total: 2, healthy: 2, acknowledged: 1, ignoring: 1 });
    const byId = Object.fromEntries(agent.body.instanceList.map((i: any) => [i.instanceId, i]));
    expect(byId.ignorer.ignoringStop).toBe(true);
    expect(byId.good.ignoringStop).toBe(false);

    // AND the sweeper reports it on the bus once, however often it runs
    await region.scheduler.runNow('sweeper');
    await region.scheduler.runNow('sweeper');
    const events = ignoringEvents();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      source: 'halt',
      detail: { agentId: 'stubborn', instanceId: 'ignorer', version: killed.body.version, status: 'killed', acknowledgedVersion: null },
    });
  });
});
