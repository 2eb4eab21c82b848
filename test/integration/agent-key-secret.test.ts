/**
 * `protect`'s `createKey` (issue 15), against the local runtime: the key provisioner (the custom
 * resource's function, lambdas/keys/provision-agent-key.ts) creates the agent when it does not
 * exist, writes its key into the function's secret (the Secrets Manager stand-in) and answers
 * CloudFormation with the key's id only; the protected function's middleware reads the key from
 * the secret at cold start, under its IAM (that secret, its agent's items); replacing or removing
 * the resource revokes the key; a secret that cannot take it leaves no key behind.
 */
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import middy from '@middy/core';
import type { AccessDenial } from '../../infra/local/iam/local-iam';
import { lambdaContext } from '../../infra/local/lambda-context';
import { LOCAL_STATE_TABLE } from '../../infra/local/local-region';
import { createProvisionAgentKey } from '../../lambdas/keys/provision-agent-key';
import { AgentStoppedError } from '../../sdk/errors';
import { haltMiddleware, type HaltLambdaContext } from '../../sdk/middleware';
import { HaltClient } from '../../sdk/operator-client';
import { protectedFunctionClients } from '../support/iam';
import { useTestRuntime, waitFor } from '../support/local-runtime';

const event = (
  type: 'Create' | 'Update' | 'Delete',
  properties: Record<string, string>,
  extra: { PhysicalResourceId?: string; OldResourceProperties?: Record<string, string> } = {},
): CloudFormationCustomResourceEvent =>
  ({
    RequestType: type,
    ServiceToken: 'arn:aws:lambda:local-1:000000000000:function:provider',
    ResponseURL: 'http://127.0.0.1/unused',
    StackId: 'arn:aws:cloudformation:local-1:000000000000:stack/EmailCampaign/1',
    RequestId: `req-${Math.random()}`,
    LogicalResourceId: 'MailerHaltAgentKeyKey',
    ResourceType: 'Custom::HaltAgentKey',
    ResourceProperties: { ServiceToken: 'provider', ...properties },
    ...extra,
  }) as unknown as CloudFormationCustomResourceEvent;

describe('agent keys made at deploy (local runtime)', () => {
  const runtime = useTestRuntime();
  const denials: AccessDenial[] = [];

  const setUp = () => {
    const t = runtime();
    const region = t.runtime.regions[0];
    if (!region) throw new Error('no region');
    const provision = createProvisionAgentKey(() => region.deps);
    const operator = new HaltClient({ url: t.runtime.restUrl, key: t.operatorKey });
    const context = lambdaContext({ functionName: 'halt-provision-agent-key', region: 'local-1' });
    return { t, region, operator, provision: (e: CloudFormationCustomResourceEvent) => provision(e, context) };
  };

  it('creates the agent and its key into the secret; the protected function reads it there and runs', async () => {
    const { t, region, operator, provision } = setUp();
    const secretArn = region.secrets.create('email-campaign-mailer-key');
    const properties = { AgentId: 'email-campaign', SecretId: secretArn, KeyName: 'protect:email-campaign-mailer', Actor: 'deploy:EmailCampaign' };

    // WHEN CloudFormation creates the resource
    const created = await provision(event('Create', properties));

    // THEN the answer names the key by its id, never the key itself
    expect(created.PhysicalResourceId).toMatch(/^key_/);
    expect(created.Data?.KeyId).toBe(created.PhysicalResourceId);
    expect(JSON.stringify(created)).not.toContain('halt_');
    // AND the agent exists, created by the stack, as the audit trail says
    const agent = await operator.getAgent({ agentId: 'email-campaign' });
    expect(agent.status).toBe('active');
    const creation = await waitFor(async () => (await operator.listAudit({ agentId: 'email-campaign' })).events.find((e) => e.type === 'agent_created'), { what: 'the creation audited' });
    expect(creation).toMatchObject({ actor: 'deploy:EmailCampaign' });
    // AND its key is listed, by id
    expect(((await t.api('GET', '/v1/keys')).body as { keys: { keyId: string; agentId?: string }[] }).keys).toContainEqual(expect.objectContaining({ keyId: created.PhysicalResourceId, agentId: 'email-campaign' }));

    // WHEN a function protected with createKey starts: only the secret's ARN in its environment
    const clients = protectedFunctionClients(region, 'email-campaign', (d) => denials.push(d), secretArn);
    const middleware = haltMiddleware({
      url: t.runtime.restUrl,
      agentId: 'email-campaign',
      keySecret: { secretId: secretArn, client: clients.secrets },
      direct: { tableName: LOCAL_STATE_TABLE, client: clients.dynamo },
    });
    const handler = middy(async (_event: unknown, context: Context) => {
      // the key works for the gateway too
      return (await (context as Context & { halt: HaltLambdaContext }).halt.intent('email.send')).intentId;
    }).use(middleware);
    // THEN it runs, and asks the gateway with the key it read
    expect(await handler({}, lambdaContext({ functionName: 'email-campaign-mailer', region: 'local-1' }))).toMatch(/^int_/);
    expect(region.secrets.calls().filter((c) => c.operation === 'GetSecretValue')).toHaveLength(1);
    expect(denials).toEqual([]);

    // WHEN the resource is removed THEN the key is revoked: the gateway refuses it
    const key = (await clients.secrets.send(new (await import('@aws-sdk/client-secrets-manager')).GetSecretValueCommand({ SecretId: secretArn }))).SecretString ?? '';
    await provision(event('Delete', properties, { PhysicalResourceId: created.PhysicalResourceId }));
    const asAgent = new HaltClient({ url: t.runtime.restUrl, key });
    await expect(asAgent.getAgent({ agentId: 'email-campaign' })).rejects.toMatchObject({ status: 401 });
    // AND the agent stays, with its history
    expect((await operator.getAgent({ agentId: 'email-campaign' })).agentId).toBe('email-campaign');
    // AND a second delete (CloudFormation retries) is fine
    await expect(provision(event('Delete', properties, { PhysicalResourceId: created.PhysicalResourceId }))).resolves.toMatchObject({ PhysicalResourceId: created.PhysicalResourceId });
  });

  it('mints a key of its own for an agent that exists, keeps it on a no-op update, replaces it when the secret changes', async () => {
    const { t, region, operator, provision } = setUp();
    await operator.createAgent({ agentId: 'planner' });
    const first = region.secrets.create('planner-a-key');
    const second = region.secrets.create('planner-b-key');
    const properties = { AgentId: 'planner', SecretId: first, KeyName: 'protect:planner-a', Actor: 'deploy:Planner' };
    const keysOf = async () => (((await t.api('GET', '/v1/keys')).body as { keys: { keyId: string; agentId?: string; name: string }[] }).keys).filter((k) => k.agentId === 'planner');

    const created = await provision(event('Create', properties));
    expect((await keysOf()).map((k) => k.name).sort()).toEqual(['agent:planner', 'protect:planner-a']);

    // a deploy that changes nothing keeps the key
    const same = await provision(event('Update', properties, { PhysicalResourceId: created.PhysicalResourceId, OldResourceProperties: properties }));
    expect(same.PhysicalResourceId).toBe(created.PhysicalResourceId);

    // another secret: a new key (CloudFormation then deletes the old resource, revoking the old key)
    const moved = await provision(event('Update', { ...properties, SecretId: second }, { PhysicalResourceId: created.PhysicalResourceId, OldResourceProperties: properties }));
    expect(moved.PhysicalResourceId).not.toBe(created.PhysicalResourceId);
    await provision(event('Delete', properties, { PhysicalResourceId: created.PhysicalResourceId }));
    expect((await keysOf()).map((k) => k.keyId)).not.toContain(created.PhysicalResourceId);
    expect((await keysOf()).map((k) => k.keyId)).toContain(moved.PhysicalResourceId);
  });

  it('leaves no key behind when the secret cannot take it, and refuses bad properties by name', async () => {
    const { t, operator, provision } = setUp();
    await operator.createAgent({ agentId: 'orphan-check' });
    const before = ((await t.api('GET', '/v1/keys')).body as { keys: unknown[] }).keys.length;
    const missing = 'arn:aws:secretsmanager:local-1:000000000000:secret:no-such-secret-abcdef';
    await expect(provision(event('Create', { AgentId: 'orphan-check', SecretId: missing, KeyName: 'protect:x', Actor: 'deploy:X' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect(((await t.api('GET', '/v1/keys')).body as { keys: unknown[] }).keys).toHaveLength(before);
    await expect(provision(event('Create', { AgentId: 'Not An Id', SecretId: missing, KeyName: 'k', Actor: 'a' }))).rejects.toThrow(/AgentId: lowercase letters/);
  });

  it('fails closed when the secret holds no Halt key, or the function may not read it', async () => {
    const { t, region, operator } = setUp();
    await operator.createAgent({ agentId: 'misconfigured' });
    const wrong = region.secrets.create('misconfigured-key');
    const clients = protectedFunctionClients(region, 'misconfigured', (d) => denials.push(d), wrong);
    const { SecretsManagerClient, PutSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    await new SecretsManagerClient({ region: 'local-1', endpoint: region.secrets.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }).send(
      new PutSecretValueCommand({ SecretId: wrong, SecretString: 'not-a-key' }),
    );
    let ran = 0;
    const handlerWith = (secretId: string) =>
      middy(async () => {
        ran++;
      }).use(haltMiddleware({ url: t.runtime.restUrl, agentId: 'misconfigured', keySecret: { secretId, client: clients.secrets }, direct: { tableName: LOCAL_STATE_TABLE, client: clients.dynamo } }));
    const context = lambdaContext({ functionName: 'misconfigured', region: 'local-1' });
    const notAKey = await handlerWith(wrong)({}, context).catch((error: unknown) => error);
    expect(notAKey).toBeInstanceOf(AgentStoppedError);
    expect(String((notAKey as AgentStoppedError).message)).toContain('holds no Halt key');
    // another function's secret: IAM refuses the read, and nothing runs
    const other = region.secrets.create('someone-elses-key');
    await expect(handlerWith(other)({}, context)).rejects.toMatchObject({ status: 'unreachable' });
    expect(denials.at(-1)).toMatchObject({ action: 'secretsmanager:GetSecretValue', resource: other });
    denials.length = 0;
    expect(ran).toBe(0);
  });
});
