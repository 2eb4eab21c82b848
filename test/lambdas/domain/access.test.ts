import {
  assertAllowed,
  OPERATOR_AND_OWN_AGENT,
  OPERATOR_ONLY,
  PUBLIC,
  READERS,
  READERS_AND_OWN_AGENT,
} from '../../../lambdas/domain/access';
import type { Caller } from '../../../lambdas/domain/context';
import { ForbiddenError } from '../../../lambdas/domain/errors';

const operator: Caller = { keyId: 'k1', name: 'ops', role: 'operator' };
const viewer: Caller = { keyId: 'k2', name: 'audit', role: 'viewer' };
const agent: Caller = { keyId: 'k3', name: 'agent:a1', role: 'agent', agentId: 'a1' };

describe('route access', () => {
  it.each([
    ['operator', operator, OPERATOR_ONLY, 'a1', true],
    ['viewer', viewer, OPERATOR_ONLY, 'a1', false],
    ['agent', agent, OPERATOR_ONLY, 'a1', false],
    ['viewer', viewer, READERS, undefined, true],
    ['agent', agent, READERS, undefined, false],
    ['agent (own)', agent, READERS_AND_OWN_AGENT, 'a1', true],
    ['agent (other)', agent, READERS_AND_OWN_AGENT, 'a2', false],
    ['viewer', viewer, OPERATOR_AND_OWN_AGENT, 'a1', false],
    ['agent (own)', agent, OPERATOR_AND_OWN_AGENT, 'a1', true],
    ['agent (other)', agent, OPERATOR_AND_OWN_AGENT, 'a2', false],
    ['operator', operator, OPERATOR_AND_OWN_AGENT, 'a2', true],
    ['agent', agent, PUBLIC, undefined, true],
  ] as const)('%s on %j for agent %s → %s', (_label, caller, access, agentId, allowed) => {
    if (allowed) expect(() => assertAllowed(caller, access, agentId)).not.toThrow();
    else expect(() => assertAllowed(caller, access, agentId)).toThrow(ForbiddenError);
  });

  it('tells an agent key which agent it is bound to', () => {
    expect(() => assertAllowed(agent, OPERATOR_AND_OWN_AGENT, 'a2')).toThrow(/bound to agent "a1"/);
  });
});
