/**
 * The custom resource behind `halt.protect(fn, { agentId, createKey: true })` (the CDK
 * Provider framework calls it and answers CloudFormation): Create mints the agent's key into
 * the function's secret (lambdas/domain/provisioned-keys.ts), Update mints a new one when the
 * agent or the secret changed (CloudFormation then deletes the old resource, which revokes its
 * key), Delete revokes it. The physical id is the key's id; the key itself is never in an answer.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { z } from 'zod';
import { provisionAgentKey, revokeProvisionedKey } from '../domain/provisioned-keys';
import type { DependencyProvider } from '../config/dependencies';
import { lazyHandler } from '../config/lazy-handler';

export interface ProvisionResult {
  readonly PhysicalResourceId: string;
  readonly Data?: { readonly KeyId: string };
}

export type ProvisionHandler = (event: CloudFormationCustomResourceEvent, context: Context) => Promise<ProvisionResult>;

const propertiesSchema = z.object({
  AgentId: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'AgentId: lowercase letters, digits, - _ . ; up to 64'),
  SecretId: z.string().min(1, 'SecretId: the secret that receives the key'),
  KeyName: z.string().min(1).max(128),
  Actor: z.string().min(1).max(128),
});

export const createProvisionAgentKey = (provider: DependencyProvider): ProvisionHandler => {
  const deps = provider();
  const chain = middy<CloudFormationCustomResourceEvent, ProvisionResult>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .handler(async (event) => {
      const secrets = deps.secrets;
      const provision = async () => {
        const properties = propertiesSchema.parse(event.ResourceProperties);
        const { keyId, agentCreated } = await provisionAgentKey(deps.ctx, secrets, {
          agentId: properties.AgentId,
          secretId: properties.SecretId,
          keyName: properties.KeyName,
          actor: properties.Actor,
        });
        deps.logger.info('agent key provisioned', { agentId: properties.AgentId, keyId, agentCreated });
        return { PhysicalResourceId: keyId, Data: { KeyId: keyId } };
      };
      if (event.RequestType === 'Create') return provision();
      if (event.RequestType === 'Update') {
        const before = event.OldResourceProperties as Record<string, unknown>;
        const after = event.ResourceProperties as Record<string, unknown>;
        const same = before.AgentId === after.AgentId && before.SecretId === after.SecretId;
        return same ? { PhysicalResourceId: event.PhysicalResourceId, Data: { KeyId: event.PhysicalResourceId } } : provision();
      }
      // Delete. A Create that failed before answering left no key: CloudFormation then deletes
      // a resource whose physical id is the Provider framework's own, not a key id.
      if (/^key_/.test(event.PhysicalResourceId)) await revokeProvisionedKey(deps.ctx, event.PhysicalResourceId);
      deps.logger.info('agent key revoked', { keyId: event.PhysicalResourceId });
      return { PhysicalResourceId: event.PhysicalResourceId };
    });
  return (event, context) => chain(event, context);
};

export const handler: ProvisionHandler = lazyHandler(createProvisionAgentKey);
