/**
 * The wait behind `intent({ waitForApproval })`, against a gateway stand-in that answers
 * `approval_required` until a decision is made: what it resolves or rejects with, and what
 * wakes it. (The real gateway, the CLI and the pushes: test/integration/approvals-client.test.ts.)
 */
import { ApprovalTimeoutError, HaltApiError, IntentRefusedError } from '../../sdk/errors';
import type { IntentResult } from '../../sdk/protocol/types';
import { waitForApproval } from '../../sdk/wait-for-approval';

const APPROVAL_ID = 'apr_0123456789abcdef01234567';
const LONG_MS = 10 * 60_000;

/** A gateway that holds the call until `decide`, and the decisions it pushes to subscribers. */
const gateway = () => {
  let decision: 'pending' | 'approved' | 'denied' = 'pending';
  const subscribers = new Set<(approvalId: string) => void>();
  let afterAnswer: (() => void) | undefined;
  const answer = (approvalId: string): IntentResult => {
    if (approvalId !== APPROVAL_ID) throw new IntentRefusedError(403, 'approval_invalid', `approvalId: ${approvalId} was not issued`);
    if (decision === 'approved') return { intentId: 'int_1' };
    if (decision === 'denied') throw new IntentRefusedError(403, 'approval_denied', `approval ${approvalId} was denied: not opted in`);
    throw new IntentRefusedError(403, 'approval_required', 'still pending', { approval: { approvalId, status: 'pending', expiresAt: '2030-01-01T00:00:00.000Z' } });
  };
  return {
    send: async (approvalId: string): Promise<IntentResult> => {
      try {
        return answer(approvalId);
      } finally {
        // What happens while the answer travels back.
        const hook = afterAnswer;
        afterAnswer = undefined;
        hook?.();
      }
    },
    subscribe: (onDecision: (approvalId: string) => void) => {
      subscribers.add(onDecision);
      return () => subscribers.delete(onDecision);
    },
    decide: (status: 'approved' | 'denied', options: { push?: boolean } = {}) => {
      decision = status;
      if (options.push ?? true) for (const s of subscribers) s(APPROVAL_ID);
    },
    push: (approvalId: string) => {
      for (const s of subscribers) s(approvalId);
    },
    /** Run `fn` once the next request is answered, before its answer arrives. */
    whileNextAnswerTravels: (fn: () => void) => {
      afterAnswer = fn;
    },
    get listeners() {
      return subscribers.size;
    },
  };
};

/** `promise`'s outcome, or 'waiting' when it has not settled within `ms`. */
const stateAfter = async (promise: Promise<unknown>, ms: number): Promise<string> => {
  let timer: NodeJS.Timeout | undefined;
  const waiting = new Promise<string>((r) => {
    timer = setTimeout(() => r('waiting'), ms);
  });
  try {
    return await Promise.race([promise.then(() => 'resolved', () => 'rejected'), waiting]);
  } finally {
    clearTimeout(timer);
  }
};

describe('waitForApproval', () => {
  describe('GIVEN no push arrives', () => {
    it('THEN it asks again every pollIntervalMs and resolves with the admitted intent once approved', async () => {
      const g = gateway();
      const waiting = waitForApproval({ approvalId: APPROVAL_ID, timeoutMs: 30_000, pollIntervalMs: 100, send: g.send });
      expect(await stateAfter(waiting, 300)).toBe('waiting');
      g.decide('approved', { push: false });
      await expect(waiting).resolves.toEqual({ intentId: 'int_1' });
    });

    it("THEN a denial rejects with the gateway's refusal", async () => {
      const g = gateway();
      const waiting = waitForApproval({ approvalId: APPROVAL_ID, timeoutMs: 30_000, pollIntervalMs: 100, send: g.send });
      g.decide('denied', { push: false });
      await expect(waiting).rejects.toMatchObject({ name: 'IntentRefusedError', code: 'approval_denied', message: expect.stringContaining('not opted in') });
    });

    it('THEN it gives up after timeoutMs with an error naming the approval', async () => {
      const g = gateway();
      const error = await waitForApproval({ approvalId: APPROVAL_ID, timeoutMs: 300, pollIntervalMs: 100, send: g.send }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApprovalTimeoutError);
      expect(error).toMatchObject({ approvalId: APPROVAL_ID, code: 'approval_timeout', message: expect.stringContaining(APPROVAL_ID) });
    });
  });

  describe('GIVEN decisions are pushed', () => {
    it('THEN the push of its own approval wakes it at once, a push of another does not, and it stops listening after', async () => {
      const g = gateway();
      const waiting = waitForApproval({ approvalId: APPROVAL_ID, timeoutMs: LONG_MS, pollIntervalMs: LONG_MS, send: g.send, subscribe: g.subscribe });
      g.push('apr_ffffffffffffffffffffffff');
      expect(await stateAfter(waiting, 200)).toBe('waiting');
      g.decide('approved');
      expect(await stateAfter(waiting, 10_000)).toBe('resolved');
      await expect(waiting).resolves.toEqual({ intentId: 'int_1' });
      expect(g.listeners).toBe(0);
    });

    it('THEN a decision pushed while a request is in flight is not lost', async () => {
      const g = gateway();
      // The first request is answered "still pending"; the approval and its push come while
      // that answer travels back. Polling every 10 minutes, only the kept push can resolve it.
      g.whileNextAnswerTravels(() => g.decide('approved'));
      const waiting = waitForApproval({ approvalId: APPROVAL_ID, timeoutMs: LONG_MS, pollIntervalMs: LONG_MS, send: g.send, subscribe: g.subscribe });
      g.push(APPROVAL_ID); // something pushed about it wakes the first request
      expect(await stateAfter(waiting, 10_000)).toBe('resolved');
    });
  });

  it('rejects with the reason of its signal when it aborts (a kill)', async () => {
    const g = gateway();
    const controller = new AbortController();
    const waiting = waitForApproval({ approvalId: APPROVAL_ID, timeoutMs: LONG_MS, send: g.send, subscribe: g.subscribe, signal: controller.signal });
    const reason = new Error('agent killed: runaway');
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    expect(g.listeners).toBe(0);
  });

  it('refuses a timeout that is not a positive number of milliseconds', async () => {
    const g = gateway();
    await expect(waitForApproval({ approvalId: APPROVAL_ID, timeoutMs: 0, send: g.send })).rejects.toBeInstanceOf(RangeError);
    await expect(waitForApproval({ approvalId: APPROVAL_ID, timeoutMs: 1_000, pollIntervalMs: 1, send: g.send })).rejects.toThrow(/pollIntervalMs/);
  });
});

describe('HaltApiError.fromBody', () => {
  it('keeps the approval an approval_required answer carries', () => {
    const approval = { approvalId: APPROVAL_ID, status: 'pending', expiresAt: '2030-01-01T00:00:00.000Z' };
    const error = HaltApiError.fromBody(403, { error: { code: 'approval_required', message: 'needs a person', approval } }, 'POST /x answered 403');
    expect(error).toMatchObject({ status: 403, code: 'approval_required', message: 'needs a person', approval });
    expect(IntentRefusedError.from(error)).toMatchObject({ name: 'IntentRefusedError', code: 'approval_required', approval });
  });

  it('falls back on the status when the body says nothing', () => {
    expect(HaltApiError.fromBody(502, undefined, 'GET /agents answered 502')).toMatchObject({ code: 'http_error', message: 'GET /agents answered 502', approval: undefined });
  });
});
