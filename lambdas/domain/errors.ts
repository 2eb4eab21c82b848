/**
 * Errors of the Halt domain. Each carries the HTTP status and the stable error code of the
 * public contract, so one middleware can turn any of them into the error body of docs/api.md.
 * `expose` says whether the message may be shown to the caller (never for 5xx).
 */
export class HaltError extends Error {
  public readonly statusCode: number;
  public readonly code: string;
  public readonly expose: boolean;

  public constructor(statusCode: number, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    // The subclass's own name (the Lambda bundles keep class names: `keepNames`).
    this.name = new.target.name;
    this.statusCode = statusCode;
    this.code = code;
    this.expose = statusCode < 500;
  }
}

/** A field of the request is missing or wrong; the message names it and says how to fix it. */
export class ValidationError extends HaltError {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(400, 'invalid_request', message, options);
  }
}

export class PayloadTooLargeError extends HaltError {
  public constructor(message: string) {
    super(413, 'payload_too_large', message);
  }
}

export class UnauthorizedError extends HaltError {
  public constructor(message = 'missing or unknown API key: send "Authorization: Bearer <key>"') {
    super(401, 'unauthorized', message);
  }
}

export class ForbiddenError extends HaltError {
  public constructor(message: string) {
    super(403, 'forbidden', message);
  }
}

export class AgentNotFoundError extends HaltError {
  public readonly agentId: string;
  public constructor(agentId: string, field?: string) {
    super(404, 'agent_not_found', `${field ? `${field}: ` : ''}no agent "${agentId}" exists; create it with POST /v1/agents`);
    this.agentId = agentId;
  }
}

export class CheckpointNotFoundError extends HaltError {
  public constructor(agentId: string, name: string) {
    super(404, 'no_checkpoint', `agent "${agentId}" has no checkpoint named "${name}"`);
  }
}

export class KeyNotFoundError extends HaltError {
  public constructor(keyId: string) {
    super(404, 'key_not_found', `no key "${keyId}" exists (it may have been revoked already)`);
  }
}

export class RouteNotFoundError extends HaltError {
  public constructor(method: string, path: string) {
    super(404, 'route_not_found', `no route ${method} ${path}; see docs/api.md for the routes`);
  }
}

/** An id that must be new already exists. */
export class ConflictError extends HaltError {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(409, 'conflict', message, options);
  }
}

/** The agent moved on since the version the caller (or a conditional write) expected. */
export class VersionConflictError extends HaltError {
  public readonly agentId: string;
  public readonly expectedVersion: number;
  public readonly actualVersion: number | undefined;
  public constructor(agentId: string, expectedVersion: number, actualVersion?: number, options?: { cause?: unknown }) {
    super(
      409,
      'version_conflict',
      `agent "${agentId}" is at version ${actualVersion ?? 'unknown'}, not ${expectedVersion}: read it again and retry`,
      options,
    );
    this.agentId = agentId;
    this.expectedVersion = expectedVersion;
    this.actualVersion = actualVersion;
  }
}

export class InvalidTransitionError extends HaltError {
  public constructor(message: string) {
    super(409, 'invalid_transition', message);
  }
}

export class AgentKilledError extends HaltError {
  public constructor(agentId: string, reason: string | null) {
    super(403, 'agent_killed', `agent "${agentId}" is killed${reason ? `: ${reason}` : ''}; an operator must resume it`);
  }
}

export class AgentPausedError extends HaltError {
  public constructor(agentId: string, reason: string | null) {
    super(403, 'agent_paused', `agent "${agentId}" is paused${reason ? `: ${reason}` : ''}; wait for resume`);
  }
}

export class RecipientKilledError extends HaltError {
  public constructor(recipientId: string, status: string) {
    super(403, 'recipient_killed', `to: agent "${recipientId}" is ${status} and takes no intents`);
  }
}

export class ActionDeniedError extends HaltError {
  public constructor(action: string, rule: string) {
    super(403, 'action_denied', `action "${action}" is refused by the agent's policy (${rule})`);
  }
}

export class BudgetExceededError extends HaltError {
  public readonly limit: string;
  public constructor(agentId: string, limit: string, onBreach: string) {
    super(429, 'budget_exceeded', `agent "${agentId}" reached its budget limit ${limit} (onBreach: ${onBreach})`);
    this.limit = limit;
  }
}

/** The control plane cannot serve right now (storage unreachable); safe to retry. */
export class ServiceUnavailableError extends HaltError {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(503, 'service_unavailable', message, options);
  }
}

/**
 * The write region, where every change of an agent item is made, did not answer. Kills and
 * pauses still hold (a stop marker in the calling region); resumes, policy changes, creating
 * and deleting agents wait for it.
 */
export class WriteRegionUnavailableError extends ServiceUnavailableError {
  public readonly writeRegion: string;

  public constructor(writeRegion: string, options?: { cause?: unknown }) {
    super(
      `the write region ${writeRegion} did not answer: kills and pauses still work from every region, resumes, policy changes and creating or deleting agents need it; retry shortly`,
      options,
    );
    this.writeRegion = writeRegion;
  }
}

/** An action glob is refused for every agent (POST /v1/actions/kill). */
export class ActionKilledError extends HaltError {
  public constructor(action: string, kill: { action: string; reason: string }) {
    super(403, 'action_killed', `action "${action}" is killed for every agent ("${kill.action}": ${kill.reason}); an operator lifts it with POST /v1/actions/resume`);
  }
}

/** No such thing (an action glob that is not killed, an approval id nobody issued). */
export class NotFoundError extends HaltError {
  public constructor(message: string) {
    super(404, 'not_found', message);
  }
}

/** The intent needs a person: it is held as `approval` until an operator decides. */
export class ApprovalRequiredError extends HaltError {
  public readonly approval: { approvalId: string; status: 'pending'; expiresAt: string };
  public constructor(action: string, approval: { approvalId: string; expiresAt: string }) {
    super(
      403,
      'approval_required',
      `action "${action}" needs an operator's approval: ${approval.approvalId} is pending until ${approval.expiresAt}; send the same intent again with "approvalId" once it is approved`,
    );
    this.approval = { approvalId: approval.approvalId, status: 'pending', expiresAt: approval.expiresAt };
  }
}

export class ApprovalDeniedError extends HaltError {
  public constructor(approvalId: string, by: string | undefined, reason: string | undefined) {
    super(403, 'approval_denied', `approval ${approvalId} was denied${by ? ` by ${by}` : ''}${reason ? `: ${reason}` : ''}; do not take this action`);
  }
}

/** The approval sent cannot admit this intent; the message says why. */
export class ApprovalInvalidError extends HaltError {
  public constructor(approvalId: string, why: string) {
    super(403, 'approval_invalid', `approvalId: ${approvalId} ${why}`);
  }
}

/** An approval moved on (decided, used, expired) before this change could be made. */
export class ApprovalConflictError extends ConflictError {
  public readonly status: string;
  public constructor(approvalId: string, status: string) {
    super(`approval ${approvalId} is ${status}, not pending: it can no longer be decided`);
    this.status = status;
  }
}
