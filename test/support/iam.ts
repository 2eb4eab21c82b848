/** Stack policies with a grant taken away: how tests show what a missing grant does. */
import type { FunctionPolicies } from '../../infra/local/iam/policy';

/** `policies`, less `action` in `functionId`'s statements (fails if it had no such grant). */
export const withoutGrant = (policies: FunctionPolicies, functionId: string, action: string): FunctionPolicies => {
  const statements = policies.functions[functionId];
  if (!statements?.some((s) => s.actions.includes(action))) throw new Error(`${functionId} has no ${action} grant to take away`);
  return {
    ...policies,
    functions: {
      ...policies.functions,
      [functionId]: statements.map((s) => ({ ...s, actions: s.actions.filter((a) => a !== action) })).filter((s) => s.actions.length > 0),
    },
  };
};
