/**
 * Who may call what. Each route declares the roles it admits; `ownAgent` admits an `agent`
 * key bound to the agent named in the path. Checked by the authorizer and again by every
 * handler, with the same function.
 */
import type { Role } from '../../sdk/protocol/schemas';
import type { Caller } from './context';
import { ForbiddenError } from './errors';

export interface RouteAccess {
  /** `public` routes need no key at all. */
  readonly public?: boolean;
  readonly roles: readonly Exclude<Role, 'agent'>[];
  /** An agent key may call the route for its own agent (the `agentId` path parameter). */
  readonly ownAgent?: boolean;
}

export const OPERATOR_ONLY: RouteAccess = { roles: ['operator'] };
export const READERS: RouteAccess = { roles: ['operator', 'viewer'] };
export const READERS_AND_OWN_AGENT: RouteAccess = { roles: ['operator', 'viewer'], ownAgent: true };
export const OPERATOR_AND_OWN_AGENT: RouteAccess = { roles: ['operator'], ownAgent: true };
export const PUBLIC: RouteAccess = { public: true, roles: [] };

/** Throws `ForbiddenError`, naming what the key lacks, when `caller` may not use the route. */
export const assertAllowed = (caller: Caller, access: RouteAccess, pathAgentId: string | undefined): void => {
  if (access.public) return;
  if (caller.role === 'agent') {
    if (!access.ownAgent) throw new ForbiddenError('an agent key may only call its own agent\'s routes; use an operator key');
    if (!pathAgentId || caller.agentId !== pathAgentId) {
      throw new ForbiddenError(`this key is bound to agent "${caller.agentId ?? ''}" and cannot act for another agent`);
    }
    return;
  }
  if (!(access.roles as readonly Role[]).includes(caller.role)) {
    throw new ForbiddenError(`a ${caller.role} key cannot do this; it needs one of: ${access.roles.join(', ')}`);
  }
};
