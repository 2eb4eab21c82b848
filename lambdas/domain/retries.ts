/**
 * Writes that lost a race (`VersionConflictError`: another change came first) are tried again
 * on fresh state, a bounded number of times with jittered backoff. Every conditional write of
 * the domain that may simply be redone (agents, approvals, the fleet's killed actions) goes
 * through here.
 */
import { VersionConflictError } from './errors';

/** How many times a write is tried before its conflict reaches the caller. */
export const MAX_ATTEMPTS = 10;

const backoff = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * 2 ** Math.min(attempt, 5)));

/** Run `attempt` (it reads fresh state each time) until it does not lose a race. */
export const retryOnConflict = async <T>(attempt: () => Promise<T>): Promise<T> => {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof VersionConflictError) || n >= MAX_ATTEMPTS) throw error;
      await backoff(n);
    }
  }
};
