/**
 * The caller as the authorizer described it in `requestContext.authorizer` (API Gateway passes
 * the authorizer's context through as strings).
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { roleSchema } from '../../../sdk/protocol/schemas';
import type { Caller } from '../../domain/context';
import { UnauthorizedError } from '../../domain/errors';

export interface AuthorizerContext {
  keyId: string;
  name: string;
  role: string;
  agentId?: string;
}

export const toAuthorizerContext = (caller: Caller): AuthorizerContext => ({
  keyId: caller.keyId,
  name: caller.name,
  role: caller.role,
  ...(caller.agentId ? { agentId: caller.agentId } : {}),
});

export const callerFromEvent = (event: APIGatewayProxyEvent): Caller => {
  const context = event.requestContext?.authorizer as Partial<Record<string, unknown>> | null | undefined;
  const role = roleSchema.safeParse(context?.role);
  if (!context || typeof context.keyId !== 'string' || typeof context.name !== 'string' || !role.success) {
    throw new UnauthorizedError();
  }
  const agentId = typeof context.agentId === 'string' && context.agentId !== '' ? context.agentId : undefined;
  return { keyId: context.keyId, name: context.name, role: role.data, ...(agentId ? { agentId } : {}) };
};
