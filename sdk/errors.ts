/** Errors the SDK throws: each names what went wrong and carries the API's error code. */

/** The API answered with an error (`{"error":{"code","message"}}`). */
export class HaltApiError extends Error {
  public readonly status: number;
  public readonly code: string;
  public constructor(status: number, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HaltApiError';
    this.status = status;
    this.code = code;
  }
}

/** The gateway refused an intent: `agent_killed`, `agent_paused`, `action_denied`, `recipient_killed`, `budget_exceeded`. */
export class IntentRefusedError extends HaltApiError {
  public constructor(status: number, code: string, message: string) {
    super(status, code, message);
    this.name = 'IntentRefusedError';
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
