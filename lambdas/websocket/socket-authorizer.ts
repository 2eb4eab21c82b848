/**
 * The `$connect` authorizer of the WebSocket API: the key comes from `Authorization: Bearer`
 * (or `?token=` for browsers, which cannot set headers on a WebSocket). Agents connect with
 * `?agentId=A&instanceId=I` and their own key; operators and viewers with `?watch=all`.
 * A missing or unknown key → `Unauthorized` (401 at the handshake); a key that may not
 * connect this way → Deny (403).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import { ID_PATTERN } from '../../sdk/protocol/schemas';
import { authenticate, bearerToken } from '../domain/api-keys';
import type { Caller } from '../domain/context';
import { UnauthorizedError } from '../domain/errors';
import type { DependencyProvider } from '../config/dependencies';
import { lazyHandler } from '../config/lazy-handler';
import { headerValue, policy, UNAUTHORIZED, type AuthorizerHandler } from '../authorizer/authorizer';

/** Why `caller` may not connect with these parameters, or undefined when it may. */
export const connectRefusal = (caller: Caller, query: Record<string, string | undefined>): string | undefined => {
  const { agentId, instanceId, watch } = query;
  if (watch !== undefined) {
    if (watch !== 'all') return 'watch: only "watch=all" is supported';
    if (caller.role === 'agent') return 'an agent key cannot watch every agent; connect with ?agentId=&instanceId=';
    return undefined;
  }
  if (!agentId || !ID_PATTERN.test(agentId)) return 'agentId: required, e.g. ?agentId=email-campaign&instanceId=i-1 (or ?watch=all)';
  if (!instanceId || !ID_PATTERN.test(instanceId)) return 'instanceId: required and must match ^[a-z0-9][a-z0-9-_.]{0,63}$';
  if (caller.role === 'viewer') return 'a viewer key can only watch (?watch=all)';
  if (caller.role === 'agent' && caller.agentId !== agentId) return `this key is bound to agent "${caller.agentId ?? ''}"`;
  return undefined;
};

export const createSocketAuthorizer = (provider: DependencyProvider): AuthorizerHandler => {
  const deps = provider();
  const chain = middy<APIGatewayRequestAuthorizerEvent, APIGatewayAuthorizerResult>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .handler(async (event) => {
      const query = event.queryStringParameters ?? {};
      const token = bearerToken(headerValue(event.headers, 'authorization')) ?? query.token;
      let caller: Caller;
      try {
        caller = await authenticate(deps.ctx, token);
      } catch (error) {
        if (error instanceof UnauthorizedError) throw new Error(UNAUTHORIZED, { cause: error });
        throw error;
      }
      const refusal = connectRefusal(caller, query);
      if (refusal) return policy(caller.keyId, 'Deny', event.methodArn, { reason: refusal });
      if (query.agentId && query.watch === undefined) {
        const agent = await deps.ctx.repository.getAgent(query.agentId, { consistent: true });
        if (!agent || agent.deleted) return policy(caller.keyId, 'Deny', event.methodArn, { reason: `agentId: no agent "${query.agentId}"` });
      }
      return policy(caller.keyId, 'Allow', event.methodArn, {
        keyId: caller.keyId,
        name: caller.name,
        role: caller.role,
        ...(query.watch === 'all' ? { watch: 'all' } : { agentId: query.agentId ?? '', instanceId: query.instanceId ?? '' }),
      });
    });
  return (event: APIGatewayRequestAuthorizerEvent, context: Context) => chain(event, context);
};

export const handler: AuthorizerHandler = lazyHandler(createSocketAuthorizer);
