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
