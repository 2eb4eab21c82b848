/**
 * One write region, every region enforcing: agent items are written only in the write region
 * (so a conditional write on `version` holds across regions, not just in the replica that
 * took it), and a change is confirmed in each region by a strongly consistent read of that
 * region's replica before the caller is answered (`enforcedIn` / `pendingIn`).
 */
import type { DomainContext } from './context';
import { HaltError, WriteRegionUnavailableError } from './errors';
import type { AgentRepository } from '../ports/repository';
import { effectiveAgent } from './stop-markers';

/** How long a kill, pause or resume waits for every region to confirm it (API.md: at most 3 s). */
export const CONFIRM_WAIT_MS = 3_000;
const CONFIRM_POLL_MS = 50;

export const writeRegionOf = (ctx: DomainContext): string => ctx.regions?.writeRegion ?? ctx.region;

export const isWriteRegion = (ctx: DomainContext): boolean => writeRegionOf(ctx) === ctx.region;

/**
 * Run `work` against the write region's replica. A failure that is not the domain's own (a
 * timeout, a refused connection, a 5xx from another region) becomes
 * `WriteRegionUnavailableError`, so callers can fall back to a stop marker.
 */
export const inWriteRegion = async <T>(ctx: DomainContext, work: (writer: AgentRepository) => Promise<T>): Promise<T> => {
  const writer = ctx.regions?.writer ?? ctx.repository;
  if (isWriteRegion(ctx)) return work(writer);
  try {
    return await work(writer);
  } catch (error) {
    if (error instanceof HaltError) throw error;
    throw new WriteRegionUnavailableError(writeRegionOf(ctx), { cause: error });
  }
};

export interface Enforcement {
  /** Regions whose replica holds this change or a later one (strongly consistent read). */
  readonly enforcedIn: string[];
  /** Regions that did not confirm it within `CONFIRM_WAIT_MS`. */
  readonly pendingIn: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves to `undefined` if `promise` does not settle within `ms`. */
const within = <T>(promise: Promise<T>, ms: number): Promise<T | undefined> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(undefined), Math.max(ms, 0));
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });

/**
 * Read each region's replica (strongly consistent, stop markers applied, as its gateway reads
 * it) until it holds `version` of the agent or a later one, for at most `waitMs` in all. Reads
 * run in parallel; a region that fails to answer is pending, never an error of the call.
 */
export const confirmEnforcement = (
  ctx: DomainContext,
  agentId: string,
  version: number,
  options: { waitMs?: number; unreachable?: readonly string[] } = {},
): Promise<Enforcement> =>
  confirmInEveryRegion(
    ctx,
    async (repository) => {
      const agent = await repository.getAgent(agentId, { consistent: true });
      return agent !== undefined && effectiveAgent(agent).version >= version;
    },
    options,
  );

/**
 * Ask each region's replica `holds` (a strongly consistent read) until it says yes, for at
 * most `waitMs` in all, in parallel: the regions that did (`enforcedIn`) and did not (`pendingIn`).
 */
export const confirmInEveryRegion = async (
  ctx: DomainContext,
  holds: (repository: AgentRepository) => Promise<boolean>,
  options: { waitMs?: number; unreachable?: readonly string[] } = {},
): Promise<Enforcement> => {
  const waitMs = options.waitMs ?? CONFIRM_WAIT_MS;
  // Regions already known not to answer (in this call) are pending without being waited on.
  const unreachable = new Set(options.unreachable ?? []);
  const replicas = (ctx.regions?.replicas ?? [{ region: ctx.region, repository: ctx.repository }]).filter((r) => !unreachable.has(r.region));
  const deadline = Date.now() + waitMs;
  const confirm = async (repository: AgentRepository): Promise<boolean> => {
    for (;;) {
      try {
        if (await within(holds(repository), deadline - Date.now())) return true;
      } catch {
        // Unreachable replica: try again until the wait is over.
      }
      if (Date.now() + CONFIRM_POLL_MS > deadline) return false;
      await sleep(CONFIRM_POLL_MS);
    }
  };
  const outcomes = await Promise.all(replicas.map(async (r) => ({ region: r.region, holds: await confirm(r.repository) })));
  return {
    enforcedIn: outcomes.filter((o) => o.holds).map((o) => o.region).sort(),
    pendingIn: [...outcomes.filter((o) => !o.holds).map((o) => o.region), ...unreachable].sort(),
  };
};
