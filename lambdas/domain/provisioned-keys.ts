/**
 * An agent key made at deploy for a protected function (`halt.protect(fn, { agentId,
 * createKey: true })`): the agent is created if it does not exist yet (its first key is then the
 * one provisioned), otherwise a new agent key is minted; the key goes straight into the
 * function's secret and nowhere else (never returned, never logged): CloudFormation only ever
 * sees its id. Removing the resource revokes the key; the agent, its history and its other keys
 * stay.
 */
import { createAgent } from './agents';
import { createKey, hashApiKey, revokeKey } from './api-keys';
import type { Caller, DomainContext } from './context';
import { AgentNotFoundError, ConflictError, KeyNotFoundError } from './errors';
import type { SecretWriter } from '../ports/secrets';

export interface ProvisionRequest {
  readonly agentId: string;
  /** The secret that receives the key (name or ARN). */
  readonly secretId: string;
  /** The key's name in `GET /v1/keys` (e.g. `protect:email-campaign-mailer`). */
  readonly keyName: string;
  /** Who asked: the stack, as the audit trail shows it (`deploy:EmailCampaign`). */
  readonly actor: string;
}

export const provisionAgentKey = async (ctx: DomainContext, secrets: SecretWriter, request: ProvisionRequest): Promise<{ keyId: string; agentCreated: boolean }> => {
  const caller: Caller = { keyId: 'deploy', name: request.actor, role: 'operator' };
  let minted: { keyId: string; key: string } | undefined;
  let agentCreated = false;
  const existing = await ctx.repository.getAgent(request.agentId, { consistent: true });
  if (!existing || existing.deleted) {
    try {
      const { agentKey } = await createAgent(ctx, caller, { agentId: request.agentId });
      const record = await ctx.repository.getKeyByHash(hashApiKey(agentKey));
      if (!record) throw new Error(`the key of the agent "${request.agentId}" just created is not found`);
      minted = { keyId: record.keyId, key: agentKey };
      agentCreated = true;
    } catch (error) {
      // Created meanwhile (another region's deploy, an operator): mint a key of its own below.
      if (!(error instanceof ConflictError)) throw error;
    }
  }
  minted ??= await mintWhenReplicated(ctx, request);
  try {
    await secrets.putSecret(request.secretId, minted.key);
  } catch (error) {
    // A key no one holds is a key to revoke: nothing is left behind when the secret cannot take it.
    await revokeKey(ctx, minted.keyId).catch(() => undefined);
    throw error;
  }
  return { keyId: minted.keyId, agentCreated };
};

/**
 * A key for an agent this region may not see yet (created by another region a moment ago):
 * a few tries, a second apart, as replication takes about a second.
 */
const mintWhenReplicated = async (ctx: DomainContext, request: ProvisionRequest, tries = 4): Promise<{ keyId: string; key: string }> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await createKey(ctx, { name: request.keyName, role: 'agent', agentId: request.agentId });
    } catch (error) {
      if (!(error instanceof AgentNotFoundError) || attempt >= tries) throw error;
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
};

/** The provisioned key revoked (the resource removed, or replaced); one already gone is fine. */
export const revokeProvisionedKey = async (ctx: DomainContext, keyId: string): Promise<void> => {
  try {
    await revokeKey(ctx, keyId);
  } catch (error) {
    if (!(error instanceof KeyNotFoundError)) throw error;
  }
};
