/**
 * The API Gateway REQUEST authorizer: authenticates the bearer key and checks the route's
 * access rule. Unknown or missing key → `Unauthorized` (401); a known key without the right
 * → a Deny policy (403) whose context says why. The local gateway calls this same handler.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import { assertAllowed } from '../domain/access';
import { authenticate, bearerToken } from '../domain/api-keys';
import { ForbiddenError, UnauthorizedError } from '../domain/errors';
import type { DependencyProvider } from '../config/dependencies';
import { lazyHandler } from '../config/lazy-handler';
import { toAuthorizerContext } from '../edge/http/caller';
import { routeForResource } from '../edge/route-table';

export type AuthorizerHandler = (event: APIGatewayRequestAuthorizerEvent, context: Context) => Promise<APIGatewayAuthorizerResult>;

/** The message API Gateway needs to answer 401. */
export const UNAUTHORIZED = 'Unauthorized';

export const headerValue = (headers: Record<string, string | undefined> | null, name: string): string | undefined => {
  if (!headers) return undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
};

/** An authorizer answer: Allow or Deny for the method, with the caller (or the reason) as context. */
export const policy = (
  principalId: string,
  effect: 'Allow' | 'Deny',
  methodArn: string,
  context: Record<string, string>,
): APIGatewayAuthorizerResult => ({
  principalId,
  policyDocument: {
    Version: '2012-10-17',
    Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: methodArn }],
  },
  context,
});

export const createAuthorizer = (provider: DependencyProvider): AuthorizerHandler => {
  const deps = provider();
  const chain = middy<APIGatewayRequestAuthorizerEvent, APIGatewayAuthorizerResult>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .handler(async (event) => {
      const found = routeForResource(event.httpMethod, event.resource);
      if (!found) {
        return policy('anonymous', 'Deny', event.methodArn, { reason: `no route ${event.httpMethod} ${event.resource}` });
      }
      const [, route] = found;
      if (route.access.public) return policy('anonymous', 'Allow', event.methodArn, {});
      // REST takes the key from the header only: a key in a URL ends up in logs and histories.
      const token = bearerToken(headerValue(event.headers, 'authorization'));
      let caller;
      try {
        caller = await authenticate(deps.ctx, token);
      } catch (error) {
        if (error instanceof UnauthorizedError) throw new Error(UNAUTHORIZED, { cause: error });
        throw error;
      }
      try {
        assertAllowed(caller, route.access, event.pathParameters?.agentId);
      } catch (error) {
        if (error instanceof ForbiddenError) {
          deps.logger.info('access denied', { keyId: caller.keyId, route: `${event.httpMethod} ${event.resource}` });
          return policy(caller.keyId, 'Deny', event.methodArn, { reason: error.message });
        }
        throw error;
      }
      return policy(caller.keyId, 'Allow', event.methodArn, { ...toAuthorizerContext(caller) });
    });
  return (event, context) => chain(event, context);
};

export const handler: AuthorizerHandler = lazyHandler(createAuthorizer);
