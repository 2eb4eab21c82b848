/**
 * Waiting for a person (API.md "Approvals"): after a 403 `approval_required`, the same intent
 * is sent again with its `approvalId` whenever a decision is pushed, and every
 * `pollIntervalMs` besides (a push can be missed: a reconnect, another region). While the
 * approval is pending the gateway answers `approval_required` again and changes nothing, so
 * asking again is the polling. Used by `HaltAgent.intent` (pushes over its WebSocket) and the
 * middleware's `context.halt.intent` (polling only).
 */
import { ApprovalTimeoutError, IntentRefusedError } from './errors';
import type { IntentResult } from './protocol/types';

/** How often a waiting intent asks again when no decision is pushed, by default. */
export const DEFAULT_APPROVAL_POLL_INTERVAL_MS = 2_000;

export interface WaitForApprovalOptions {
  /** Give up with `ApprovalTimeoutError` (naming the approval) after this long. */
  readonly timeoutMs: number;
  /** How often to ask again when no decision is pushed. @default 2000 */
  readonly pollIntervalMs?: number;
}

export interface ApprovalWait extends WaitForApprovalOptions {
  /** The approval the gateway holds the call under. */
  readonly approvalId: string;
  /** Send the intent again under the approval; refusals are `IntentRefusedError`s. */
  readonly send: (approvalId: string) => Promise<IntentResult>;
  /** Calls `onDecision` with the id of each approval whose decision is pushed; returns how to stop. */
  readonly subscribe?: (onDecision: (approvalId: string) => void) => () => void;
  /** Stops the wait (rejecting with its reason). */
  readonly signal?: AbortSignal;
}

/**
 * The approval to wait for, when a first intent was held for a person (`approval_required`)
 * and its caller asked to wait; any other error (or no wait asked for) is thrown on.
 */
export const approvalToWaitFor = (error: unknown, wait: WaitForApprovalOptions | undefined): { approvalId: string; wait: WaitForApprovalOptions } => {
  if (!wait || !(error instanceof IntentRefusedError) || error.code !== 'approval_required' || !error.approval) throw error;
  return { approvalId: error.approval.approvalId, wait };
};

/** Check `waitForApproval` when the intent is made, not when the first refusal comes. */
export const checkWaitForApproval = (options: WaitForApprovalOptions): void => {
  if (!(Number.isFinite(options.timeoutMs) && options.timeoutMs > 0)) {
    throw new RangeError(`waitForApproval.timeoutMs must be a number of milliseconds above 0, got ${String(options.timeoutMs)}`);
  }
  if (options.pollIntervalMs !== undefined && !(Number.isFinite(options.pollIntervalMs) && options.pollIntervalMs >= 100)) {
    throw new RangeError(`waitForApproval.pollIntervalMs must be at least 100 ms, got ${String(options.pollIntervalMs)}`);
  }
};

/** Resolves after `ms`, or when `onWake`'s callback is called; rejects when `signal` aborts. */
const pause = (ms: number, signal: AbortSignal | undefined, onWake: (wake: () => void) => void): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
    onWake(done);
  });

/**
 * The admitted intent once the approval is granted; the gateway's refusal once it is denied,
 * invalid (expired, cancelled by a kill or pause, …) or the agent is stopped;
 * `ApprovalTimeoutError` after `timeoutMs`; the signal's reason when it aborts.
 */
export const waitForApproval = async (wait: ApprovalWait): Promise<IntentResult> => {
  checkWaitForApproval(wait);
  const deadline = Date.now() + wait.timeoutMs;
  const interval = wait.pollIntervalMs ?? DEFAULT_APPROVAL_POLL_INTERVAL_MS;
  // A decision pushed while a request is in flight is kept, so the next one goes at once.
  let decided = false;
  let wake: (() => void) | undefined;
  const unsubscribe = wait.subscribe?.((approvalId) => {
    if (approvalId !== wait.approvalId) return;
    decided = true;
    wake?.();
  });
  try {
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) throw new ApprovalTimeoutError(wait.approvalId, wait.timeoutMs);
      if (!decided) {
        await pause(Math.min(interval, left), wait.signal, (w) => {
          wake = w;
        });
      }
      decided = false;
      wake = undefined;
      try {
        return await wait.send(wait.approvalId);
      } catch (error) {
        // Still pending: nothing was taken or counted; wait for the decision again.
        if (error instanceof IntentRefusedError && error.code === 'approval_required') continue;
        throw error;
      }
    }
  } finally {
    unsubscribe?.();
  }
};
