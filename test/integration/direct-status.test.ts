/**
 * Direct status reads (issue 15, first step): the middleware of a function protected by Halt
 * reads its agent straight from the regional replica, under the one statement a protected
 * function gets (its own agent's partition, nothing else, enforced by the local IAM as AWS
 * would); it stops new invocations within the cache time of a kill, honours a stop marker, is
 * refused reading another agent (and then runs nothing: fail closed), and still registers the
 * container and reports its counts over REST.
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { AccessDenial } from '../../infra/local/iam/local-iam';
import { lambdaContext } from '../../infra/local/lambda-context';
import { LOCAL_STATE_TABLE } from '../../infra/local/local-region';
import { AgentStoppedError } from '../../sdk/errors';
import { haltMiddleware } from '../../sdk/middleware';
import { HaltAgent } from '../../sdk/agent';
import { HaltClient } from '../../sdk/operator-client';
import { protectedFunctionClient } from '../support/iam';
import { useTestRuntime, waitFor } from '../support/local-runtime';

describe('direct status reads (local runtime, local IAM)', () => {
  const runtime = useTestRuntime();
  const denials: AccessDenial[] = [];

  /** A DynamoDB client of a user function protected for `agentId`, held to that one statement. */
  const protectedClient = (agentId: string) => {
    const region = runtime().runtime.regions[0];
    if (!region) throw new Error('no region');
    return protectedFunctionClient(region, agentId, (d) => denials.push(d));
  };

  const invoke = <R>(handler: (event: unknown, context: Context) => Promise<R>) => handler({}, lambdaContext({ functionName: 'mailer', region: 'local-1' }));

  it('reads its own agent, stops within the cache time of a kill, honours a stop marker, and still reports its counts', async () => {
    const t = runtime();
    const operator = new HaltClient({ url: t.runtime.restUrl, key: t.operatorKey });
    const { agentKey } = await operator.createAgent({ agentId: 'direct-mailer' });
    const ran: number[] = [];
    const middleware = haltMiddleware({
      url: t.runtime.restUrl,
      key: agentKey,
      agentId: 'direct-mailer',
      cacheTtlMs: 200,
      reportIntervalMs: 300,
      direct: { tableName: LOCAL_STATE_TABLE, client: protectedClient('direct-mailer') },
    });
    const handler = middy(async () => {
      ran.push(Date.now());
      return 'sent';
    }).use(middleware);

    // runs while active; the first invocation registers the container over REST
    expect(await invoke(handler)).toBe('sent');
    await waitFor(async () => (await operator.getAgent({ agentId: 'direct-mailer' })).instanceList.some((i) => i.instanceId === middleware.instanceId), { what: 'the container registered' });

    // a kill: new invocations are refused within the cache time (plus replication: none here)
    const killed = await operator.kill({ agentId: 'direct-mailer', reason: 'template breaks the law' });
    await new Promise((r) => setTimeout(r, 250));
    await expect(invoke(handler)).rejects.toBeInstanceOf(AgentStoppedError);
    // and the status move is acknowledged at once (a report), so the operator sees it stopped
    await waitFor(async () => (await operator.getAgent({ agentId: 'direct-mailer' })).instanceList.find((i) => i.instanceId === middleware.instanceId)?.acknowledgedVersion === killed.version, {
      what: 'the kill acknowledged by the container',
    });

    // resumed: runs again; the counts of what ran reach the usage over REST
    const resumed = await operator.resume({ agentId: 'direct-mailer', reason: 'fixed' });
    await new Promise((r) => setTimeout(r, 250));
    expect(await invoke(handler)).toBe('sent');
    // counts go with a read once the report interval (300 ms here) has passed: keep invoking
    await waitFor(
      async () => {
        expect(await invoke(handler)).toBe('sent');
        return ((await operator.getUsage({ agentId: 'direct-mailer', days: 1 })).days[0]?.succeeded ?? 0) >= 2;
      },
      { what: 'the counts reported', intervalMs: 350 },
    );

    // a stop marker (another region's kill while the write region is down) stops it as well
    const region = t.runtime.regions[0];
    if (!region) throw new Error('no region');
    const stored = await region.deps.ctx.repository.getAgent('direct-mailer');
    await region.deps.ctx.repository.putStopMarker('direct-mailer', {
      region: 'local-9',
      action: 'kill',
      actor: 'oncall',
      reason: 'write region down',
      at: new Date().toISOString(),
      agentCreatedAt: stored?.createdAt ?? '',
    });
    await new Promise((r) => setTimeout(r, 250));
    await expect(invoke(handler)).rejects.toMatchObject({ status: 'killed', version: resumed.version + 1 });
    expect(denials).toEqual([]);
  });

  it('is refused reading another agent, and then runs nothing (fail closed)', async () => {
    const t = runtime();
    const operator = new HaltClient({ url: t.runtime.restUrl, key: t.operatorKey });
    const { agentKey } = await operator.createAgent({ agentId: 'direct-other' });
    await operator.createAgent({ agentId: 'direct-owner' });
    let ran = 0;
    // protected for direct-owner, but configured (wrongly) to read direct-other
    const handler = middy(async () => {
      ran++;
    }).use(haltMiddleware({ url: t.runtime.restUrl, key: agentKey, agentId: 'direct-other', direct: { tableName: LOCAL_STATE_TABLE, client: protectedClient('direct-owner') } }));
    await expect(invoke(handler)).rejects.toMatchObject({ status: 'unreachable' });
    expect(ran).toBe(0);
    expect(denials.at(-1)).toMatchObject({ functionId: 'User/Mailer', action: 'dynamodb:Query' });
    denials.length = 0;
  });

  it('lets a HaltAgent without a WebSocket learn of a kill from the replica, long before its next heartbeat', async () => {
    const t = runtime();
    const operator = new HaltClient({ url: t.runtime.restUrl, key: t.operatorKey });
    const { agentKey } = await operator.createAgent({ agentId: 'direct-worker' });
    // no WebSocket, a REST heartbeat a minute: without direct reads, a kill would wait for it
    const agent = new HaltAgent({
      url: t.runtime.restUrl,
      key: agentKey,
      agentId: 'direct-worker',
      instanceId: 'ecs-1',
      heartbeatIntervalMs: 60_000,
      direct: { tableName: LOCAL_STATE_TABLE, client: protectedClient('direct-worker'), readIntervalMs: 200 },
    });
    agent.on('error', () => undefined);
    try {
      await agent.start();
      expect(agent.status).toBe('active');
      const killed = await operator.kill({ agentId: 'direct-worker', reason: 'stop the workers' });
      await waitFor(() => agent.signal.aborted || undefined, { what: 'the worker stopped', ceilingMs: 10_000 });
      expect(agent.status).toBe('killed');
      // and it acknowledges over REST, so the operator sees it stopped
      await waitFor(async () => (await operator.getAgent({ agentId: 'direct-worker' })).instanceList.find((i) => i.instanceId === 'ecs-1')?.acknowledgedVersion === killed.version, {
        what: 'the kill acknowledged',
      });
      expect(denials).toEqual([]);
    } finally {
      await agent.close();
    }
  });
});
