/** Errors the SDK throws: each names what went wrong and carries the API's error code. */

/**
 * What a 403 `approval_required` carries besides its code and message: the approval the
 * gateway holds the call under (send the same intent again with `approvalId` once approved).
 */
export interface ApprovalTicket {
  approvalId: string;
  status: string;
  expiresAt: string;
}

/** The API answered with an error (`{"error":{"code","message"}}`). */
export class HaltApiError extends Error {
  public readonly status: number;
  public readonly code: string;
  /** Only on `approval_required`: the approval that holds the call. */
  public readonly approval: ApprovalTicket | undefined;
  public constructor(status: number, code: string, message: string, options?: { cause?: unknown; approval?: ApprovalTicket }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HaltApiError';
    this.status = status;
    this.code = code;
    this.approval = options?.approval;
  }

  /**
   * The error an API answer's body describes (`{"error":{code, message, approval?}}`);
   * `fallback` is the message when the body has none.
   */
  public static fromBody(status: number, body: unknown, fallback: string): HaltApiError {
    const err = (body as { error?: { code?: unknown; message?: unknown; approval?: unknown } } | undefined)?.error;
    const code = typeof err?.code === 'string' ? err.code : 'http_error';
    const message = typeof err?.message === 'string' ? err.message : fallback;
    const approval = isApprovalTicket(err?.approval) ? err.approval : undefined;
    return new HaltApiError(status, code, message, approval ? { approval } : undefined);
  }
}

const isApprovalTicket = (value: unknown): value is ApprovalTicket =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as ApprovalTicket).approvalId === 'string' &&
  typeof (value as ApprovalTicket).status === 'string' &&
  typeof (value as ApprovalTicket).expiresAt === 'string';

/**
 * The gateway refused an intent: `agent_killed`, `agent_paused`, `action_denied`,
 * `recipient_killed`, `budget_exceeded`, `action_killed` (a fleet-wide kill of the action),
 * `approval_required` (with `approval`), `approval_denied`, `approval_invalid`.
 */
export class IntentRefusedError extends HaltApiError {
  public constructor(status: number, code: string, message: string, options?: { approval?: ApprovalTicket }) {
    super(status, code, message, options);
    this.name = 'IntentRefusedError';
  }

  /** The same refusal, from the API error the gateway answered with. */
  public static from(error: HaltApiError): IntentRefusedError {
    return new IntentRefusedError(error.status, error.code, error.message, error.approval ? { approval: error.approval } : undefined);
  }
}

/** An intent waited for an operator's decision (`waitForApproval`) longer than it was allowed to. */
export class ApprovalTimeoutError extends Error {
  public readonly code = 'approval_timeout';
  public readonly approvalId: string;
  public readonly timeoutMs: number;
  public constructor(approvalId: string, timeoutMs: number) {
    super(
      `approval ${approvalId} was still pending after ${Math.round(timeoutMs / 100) / 10} s: nobody approved the call in time. ` +
        `An operator can still decide it (halt approve ${approvalId}) until it expires; send the same intent again with approvalId to use it`,
    );
    this.name = 'ApprovalTimeoutError';
    this.approvalId = approvalId;
    this.timeoutMs = timeoutMs;
  }
}

/** The control plane could not be reached (network error or timeout). */
export class HaltUnreachableError extends Error {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HaltUnreachableError';
  }
}

/** The reason of an aborted signal: the agent was killed or paused, or fails closed. */
export class AgentStoppedError extends Error {
  public readonly status: 'killed' | 'paused' | 'unreachable';
  public readonly version: number | undefined;
  public readonly reason: string | null;
  public constructor(status: 'killed' | 'paused' | 'unreachable', version: number | undefined, reason: string | null) {
    super(
      status === 'unreachable'
        ? `the control plane is unreachable and the agent fails closed${reason ? `: ${reason}` : ''}`
        : `agent ${status}${reason ? `: ${reason}` : ''}`,
    );
    this.name = 'AgentStoppedError';
    this.status = status;
    this.version = version;
    this.reason = reason;
  }
}
