/**
 * Middy middleware for Lambda-hosted agents. Before the handler, it refuses to run a killed or
 * paused agent; it hands the handler `context.halt` (an abort signal and the intent helper);
 * after, it counts the unit as succeeded or failed.
 *
 * The status comes from a heartbeat of this container (one instance per container), cached
 * for `cacheTtlMs`: with the default 1 s, a container that is busy makes at most one call a
 * second, and a kill takes effect in it within a second. Longer TTLs cost less and stop
 * later; the gateway refuses intents from the moment of the kill whatever the TTL.
 *
 * @example
 * export const handler = middy(sendBatch).use(haltMiddleware({ url, key, agentId: 'email-campaign' }));
 * async function sendBatch(event, context) {
 *   await context.halt.intent('email.send', { costUsd: 0.1 });
 *   // an action under an approval rule: wait (polling) for an operator's decision
 *   await context.halt.intent('email.send_all', { to: 'list-42', waitForApproval: { timeoutMs: 60_000 } });
 *   ...
 * }
 */
import { randomBytes } from 'node:crypto';
import type { MiddlewareObj, Request } from '@middy/core';
import { AgentStoppedError, HaltApiError, IntentRefusedError } from './errors';
import { HttpClient } from './http-client';
import type { HeartbeatResult, IntentResult } from './protocol/types';
import { approvalToWaitFor, checkWaitForApproval, waitForApproval, type WaitForApprovalOptions } from './wait-for-approval';
import { DirectStatusReader, type DirectStatusOptions } from './direct-status';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Tracer } from '@opentelemetry/api';
import { ATTR, HaltTelemetry, type HaltAttributes } from './telemetry';

export interface HaltLambdaContext {
  /** Aborted when the agent is found killed while the handler runs (a pause lets it finish). */
  readonly signal: AbortSignal;
  /**
   * Ask the gateway before acting; throws `IntentRefusedError` when refused (on
   * `approval_required`, `error.approval` names the approval that holds the call).
   * With `waitForApproval`, waits for an operator's decision instead: the same intent is sent
   * again under the approval every `pollIntervalMs` (2 s; a function has no WebSocket) until it
   * is approved (resolves), denied or no longer usable (throws the gateway's refusal), the
   * agent is found killed (`AgentStoppedError`), or `timeoutMs` passes (`ApprovalTimeoutError`);
   * the wait never outlasts the invocation (it ends half a second before Lambda's timeout).
   */
  intent(action: string, options?: HaltIntentOptions): Promise<IntentResult>;
  /** Count a cost not declared on an intent. */
  recordCost(costUsd: number): void;
  /** The agent's status and version as last read. */
  readonly status: HeartbeatResult;
}

/** What `context.halt.intent` declares (an approval is bound to all of it). */
export interface HaltIntentOptions {
  readonly costUsd?: number;
  readonly to?: string;
  readonly payload?: unknown;
  /** An approval an operator gave this exact call (from an earlier `approval_required`). */
  readonly approvalId?: string;
  /** Wait for an operator's decision when the action needs one (see `HaltLambdaContext.intent`). */
  readonly waitForApproval?: WaitForApprovalOptions;
  /** Added to the intent's span (with a tracer): e.g. `gen_ai.tool.name` from an adapter. */
  readonly attributes?: HaltAttributes;
}

export interface HaltMiddlewareOptions {
  /** The REST API's URL. @default process.env.HALT_URL (set by the stack's `protect`) */
  readonly url?: string;
  /** The agent's key. @default process.env.HALT_AGENT_KEY */
  readonly key?: string;
  /**
   * Where the agent's key is kept instead (`protect`'s `createKey`): a Secrets Manager secret,
   * read once at cold start, before the first status read (a secret that cannot be read keeps
   * the container from running: fail closed). A client of your own may be given.
   * @default process.env.HALT_AGENT_KEY_SECRET, when no key is given
   */
  readonly keySecret?: string | { readonly secretId: string; readonly client?: SecretsManagerClient };
  /** @default process.env.HALT_AGENT_ID (set by `protect`) */
  readonly agentId?: string;
  /** @default a random id per container (`lambda-…`) */
  readonly instanceId?: string;
  /** How long a status read is reused. @default 1000 */
  readonly cacheTtlMs?: number;
  /** Refuse to run after this long without reaching the control plane (unless failMode is open). @default 90000 */
  readonly failClosedAfterMs?: number;
  /** Per status read once the container has an answer. @default 2000 */
  readonly timeoutMs?: number;
  /**
   * The container's first status read. It meets the control plane's cold starts (the
   * authorizer's and the heartbeat route's, one after the other: seconds, not milliseconds),
   * so it may take longer, bounded by what the invocation has left (less half a second).
   * @default 10000
   */
  readonly coldTimeoutMs?: number;
  /** Answer for a refused invocation instead of throwing `AgentStoppedError`. */
  readonly refusedResponse?: (error: AgentStoppedError) => unknown;
  /**
   * Read the status straight from the state table's regional replica (agents in Halt's own
   * account; the role needs `protectedReadStatement`'s read of this agent's items). The REST
   * API then only registers the container and takes its counts, once at the start and every
   * `reportIntervalMs` (and at once when the status moves, to acknowledge it). Absent: every
   * status read is a REST heartbeat.
   * @default `{ tableName: process.env.HALT_STATE_TABLE }` when that is set (`protect` sets it); `false` for REST
   */
  readonly direct?: (Omit<DirectStatusOptions, 'tableName'> & { readonly tableName?: string }) | false;
  /** Direct mode: how often counts are reported over REST. @default 60000 */
  readonly reportIntervalMs?: number;
  /**
   * Report the counts not yet reported when Lambda shuts the container down. Lambda sends the
   * runtime SIGTERM (and waits up to 300 ms, 500 ms with an external extension) only when an
   * extension is registered; without one the last counts since the previous report are lost.
   * @default true inside Lambda (`AWS_LAMBDA_FUNCTION_NAME` is set)
   */
  readonly reportOnShutdown?: boolean;
  /** Your OpenTelemetry tracer: each intent becomes a `halt.intent` span (docs/integrations.md). */
  readonly tracer?: Tracer;
}

interface Cached {
  answer: HeartbeatResult;
  fetchedAt: number;
}

/** How long a container reuses a status read, by default (the cost model prices it). */
export const DEFAULT_CACHE_TTL_MS = 1_000;
/** Direct mode: how often a busy container reports its counts over REST, by default (priced too). */
export const DEFAULT_DIRECT_REPORT_INTERVAL_MS = 60_000;

const defaults = { cacheTtlMs: DEFAULT_CACHE_TTL_MS, failClosedAfterMs: 90_000, timeoutMs: 2_000, coldTimeoutMs: 10_000, reportIntervalMs: DEFAULT_DIRECT_REPORT_INTERVAL_MS };

/** Left of the invocation for the handler's own answer when the first read waits long. */
const ANSWER_MARGIN_MS = 500;

/** The last report's bound at shutdown: inside the 300 ms Lambda gives the runtime. */
const SHUTDOWN_REPORT_MS = 250;

/** Every middleware of this process with counts to hand over when Lambda shuts it down. */
const shutdownReports = new Set<() => Promise<void>>();
let shutdownHooked = false;
const hookShutdown = (): void => {
  if (shutdownHooked) return;
  shutdownHooked = true;
  process.once('SIGTERM', () => {
    void Promise.allSettled([...shutdownReports].map((report) => report())).then(() => {
      // Ours was the only listener: do what SIGTERM does by default (end the process).
      if (process.listenerCount('SIGTERM') === 0) process.exit(0);
    });
  });
};

type Environment = Readonly<Record<string, string | undefined>>;

/** The agent's key from its Secrets Manager secret (the client is loaded only when needed). */
const readKeySecret = async (secret: { secretId: string; client?: SecretsManagerClient } | undefined, timeoutMs: number): Promise<string> => {
  if (!secret) throw new TypeError('haltMiddleware: no key and no key secret');
  const { GetSecretValueCommand, SecretsManagerClient: Client } = await import('@aws-sdk/client-secrets-manager');
  const client = secret.client ?? new Client({ maxAttempts: 3 });
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secret.secretId }), { abortSignal: AbortSignal.timeout(timeoutMs) });
  if (!SecretString?.startsWith('halt_')) throw new Error(`the secret ${secret.secretId} holds no Halt key (halt_…); was it written by halt.protect's createKey?`);
  return SecretString;
};

/**
 * The options with what `protect` puts in the function's environment filled in; a clear error
 * naming the option and its variable for anything still missing (at cold start, not at the
 * first kill).
 */
export const resolveMiddlewareOptions = (options: HaltMiddlewareOptions, env: Environment = process.env) => {
  const required = (name: 'url' | 'agentId', variable: string): string => {
    const value = options[name] ?? env[variable];
    if (!value) throw new TypeError(`haltMiddleware: ${name} is missing: pass { ${name} } or set ${variable} (halt.protect sets it)`);
    return value;
  };
  // The key itself, or the secret that holds it.
  const key = options.key ?? env.HALT_AGENT_KEY;
  const secret = key ? undefined : (options.keySecret ?? env.HALT_AGENT_KEY_SECRET);
  if (!key && !secret) {
    throw new TypeError("haltMiddleware: key is missing: pass { key } or set HALT_AGENT_KEY (the agent's key), or keep it in Secrets Manager (HALT_AGENT_KEY_SECRET; halt.protect's createKey sets it)");
  }
  const keySecret = typeof secret === 'string' ? { secretId: secret } : secret;
  const tableName = env.HALT_STATE_TABLE;
  let direct: DirectStatusOptions | undefined;
  if (options.direct) {
    const table = options.direct.tableName ?? tableName;
    if (!table) throw new TypeError('haltMiddleware: direct.tableName is missing: pass it or set HALT_STATE_TABLE (halt.protect sets it)');
    direct = { ...options.direct, tableName: table };
  } else if (options.direct === undefined && tableName) {
    direct = { tableName };
  }
  return {
    ...defaults,
    reportOnShutdown: env.AWS_LAMBDA_FUNCTION_NAME !== undefined,
    ...options,
    url: required('url', 'HALT_URL'),
    key,
    keySecret,
    agentId: required('agentId', 'HALT_AGENT_ID'),
    direct,
  };
};

export const haltMiddleware = (options: HaltMiddlewareOptions = {}): MiddlewareObj & { readonly instanceId: string } => {
  const settings = resolveMiddlewareOptions(options);
  const instanceId = options.instanceId ?? `lambda-${randomBytes(6).toString('hex')}`;
  const telemetry = new HaltTelemetry(options.tracer, { [ATTR.agentId]: settings.agentId, [ATTR.instanceId]: instanceId });
  let http: HttpClient | undefined;
  let keyRead: Promise<string> | undefined;
  /** The REST client, once the key is known (read from its secret the first time; again after a failure). */
  const api = async (): Promise<HttpClient> => {
    if (http) return http;
    let key = settings.key;
    if (!key) {
      keyRead ??= readKeySecret(settings.keySecret, settings.coldTimeoutMs).catch((error: unknown) => {
        keyRead = undefined;
        throw error;
      });
      key = await keyRead;
    }
    http ??= new HttpClient({ url: settings.url, key, timeoutMs: settings.timeoutMs });
    return http;
  };
  const base = `/agents/${encodeURIComponent(settings.agentId)}`;
  let cached: Cached | undefined;
  let lastContactAt = Date.now();
  let inflight: Promise<HeartbeatResult> | undefined;
  const pending = { succeeded: 0, failed: 0, costUsd: 0 };
  const controllers = new WeakMap<Request, { controller: AbortController; timer?: NodeJS.Timeout }>();

  /** What the invocation being served has left (Lambda's context), for the first read's bound. */
  let remainingMs: (() => number) | undefined;

  const hasCounts = () => pending.succeeded > 0 || pending.failed > 0 || pending.costUsd > 0;

  /**
   * One heartbeat of this container: registers it, hands over the counts since the last one
   * (put back if it fails, for the next), acknowledges `version`, answers the status.
   */
  const heartbeat = async (version: number | undefined, timeoutMs?: number): Promise<HeartbeatResult> => {
    const metrics = { ...pending };
    const withCounts = hasCounts();
    pending.succeeded = 0;
    pending.failed = 0;
    pending.costUsd = 0;
    try {
      return await (await api()).request<HeartbeatResult>('POST', `${base}/heartbeat`, {
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
        body: { instanceId, ...(version !== undefined ? { acknowledgedVersion: version } : {}), ...(withCounts ? { metrics } : {}) },
      });
    } catch (error) {
      pending.succeeded += metrics.succeeded;
      pending.failed += metrics.failed;
      pending.costUsd += metrics.costUsd;
      throw error;
    }
  };

  const reader = settings.direct ? new DirectStatusReader(settings.direct) : undefined;
  let lastReportAt: number | undefined;
  let reporting: Promise<void> | undefined;
  let reportAgain: number | undefined | null = null;
  /**
   * Direct mode: register the container and hand over its counts with one REST heartbeat,
   * acknowledging the version it obeys. Not awaited by the invocation; one report at a time,
   * one asked for meanwhile follows it (counts are never left behind).
   */
  const report = (version: number | undefined): void => {
    if (reporting) {
      reportAgain = version;
      return;
    }
    reporting = heartbeat(version)
      .then(
        () => {
          lastReportAt = Date.now();
        },
        // The counts were put back: the next report carries them.
        () => undefined,
      )
      .finally(() => {
        reporting = undefined;
        if (reportAgain !== null) {
          const next = reportAgain;
          reportAgain = null;
          report(next);
        }
      });
  };

  if (settings.reportOnShutdown) {
    // The counts since the last report, once what is in flight has settled.
    shutdownReports.add(async () => {
      const started = Date.now();
      await Promise.race([reporting, new Promise((r) => setTimeout(r, SHUTDOWN_REPORT_MS / 2))]);
      const left = SHUTDOWN_REPORT_MS - (Date.now() - started);
      if (hasCounts() && left > 0) await heartbeat(cached?.answer.version, left).catch(() => undefined);
    });
    hookShutdown();
  }

  /**
   * One status read: a heartbeat (registers the container, carries its counts), or in direct
   * mode the regional replica's item, with a report when one is due or the status moved.
   */
  const refresh = async (): Promise<HeartbeatResult> => {
    // The first read waits out cold starts; later ones are quick or fall back on the cache.
    const timeoutMs = cached
      ? settings.timeoutMs
      : Math.max(settings.timeoutMs, Math.min(settings.coldTimeoutMs, (remainingMs?.() ?? Infinity) - ANSWER_MARGIN_MS));
    // Direct reads need no key, but a container that could not report or ask runs for no one.
    if (!http) await api();
    // A container obeys the version it read last: it refuses work once that is a stop.
    const previous = cached?.answer.version;
    const answer = reader ? await reader.read(settings.agentId, { signal: AbortSignal.timeout(timeoutMs) }) : await heartbeat(previous, timeoutMs);
    cached = { answer, fetchedAt: Date.now() };
    lastContactAt = Date.now();
    if (reader) {
      const moved = previous !== undefined && previous !== answer.version;
      const due = lastReportAt === undefined || (Date.now() - lastReportAt >= settings.reportIntervalMs && hasCounts());
      if (moved || due) report(answer.version);
    }
    return answer;
  };

  const currentStatus = async (): Promise<HeartbeatResult> => {
    if (cached && Date.now() - cached.fetchedAt < settings.cacheTtlMs) return cached.answer;
    inflight ??= refresh().finally(() => {
      inflight = undefined;
    });
    try {
      return await inflight;
    } catch (error) {
      const failMode = cached?.answer.failMode ?? 'closed';
      if (failMode === 'open') return cached?.answer ?? { status: 'active', version: 0, failMode: 'open' };
      // Closed: a recent answer still stands; without one (or past the limit) nothing runs.
      if (cached && Date.now() - lastContactAt <= settings.failClosedAfterMs) return cached.answer;
      throw new AgentStoppedError('unreachable', cached?.answer.version, (error as Error).message);
    }
  };

  const stopFor = (answer: HeartbeatResult): AgentStoppedError | undefined =>
    answer.status === 'active' ? undefined : new AgentStoppedError(answer.status, answer.version, answer.reason ?? null);

  const before: MiddlewareObj['before'] = async (request) => {
    const context = request.context as { getRemainingTimeInMillis?: () => number } | undefined;
    remainingMs = typeof context?.getRemainingTimeInMillis === 'function' ? () => (context.getRemainingTimeInMillis as () => number)() : undefined;
    let answer: HeartbeatResult;
    try {
      answer = await currentStatus();
    } catch (error) {
      if (error instanceof AgentStoppedError && settings.refusedResponse) return settings.refusedResponse(error);
      throw error;
    }
    const stop = stopFor(answer);
    if (stop) {
      if (settings.refusedResponse) return settings.refusedResponse(stop);
      throw stop;
    }
    const controller = new AbortController();
    // While the handler runs, look again as often as the cache allows.
    const timer = setInterval(() => {
      currentStatus()
        .then((latest) => {
          // A kill cuts the invocation short; a pause lets it finish (the next one is refused).
          const later = stopFor(latest);
          if (later && later.status === 'killed' && !controller.signal.aborted) controller.abort(later);
        })
        .catch((error: unknown) => {
          if (error instanceof AgentStoppedError && !controller.signal.aborted) controller.abort(error);
        });
    }, settings.cacheTtlMs);
    timer.unref();
    controllers.set(request, { controller, timer });
    const halt: HaltLambdaContext = {
      signal: controller.signal,
      status: answer,
      recordCost: (costUsd) => {
        if (!(costUsd >= 0)) throw new RangeError('costUsd must be 0 or more');
        pending.costUsd += costUsd;
      },
      intent: async (action, intentOptions = {}) => {
        const { waitForApproval: wait, attributes = {}, ...call } = intentOptions;
        if (wait) checkWaitForApproval(wait);
        const send = (approvalId: string | undefined, signal?: AbortSignal): Promise<IntentResult> =>
          telemetry.intent(action, approvalId ? { ...attributes, [ATTR.approvalId]: approvalId } : attributes, () => ask(approvalId, signal));
        const ask = async (approvalId: string | undefined, signal?: AbortSignal): Promise<IntentResult> => {
          try {
            return await (await api()).request<IntentResult>('POST', `${base}/intents`, {
              body: { instanceId, action, ...call, ...(approvalId ? { approvalId } : {}) },
              ...(signal ? { signal } : {}),
            });
          } catch (error) {
            if (error instanceof HaltApiError && (error.status === 403 || error.status === 429)) {
              if (error.code === 'agent_killed' || error.code === 'agent_paused') cached = undefined;
              if (error.code === 'agent_killed' && !controller.signal.aborted) controller.abort(new AgentStoppedError('killed', undefined, error.message));
              throw IntentRefusedError.from(error);
            }
            throw error;
          }
        };
        try {
          return await send(call.approvalId);
        } catch (error) {
          const held = approvalToWaitFor(error, wait);
          // No WebSocket in a function: ask again every poll interval, within the invocation's time.
          const left = remainingMs ? remainingMs() - ANSWER_MARGIN_MS : Infinity;
          return waitForApproval({
            ...held.wait,
            timeoutMs: Math.max(1, Math.min(held.wait.timeoutMs, left)),
            approvalId: held.approvalId,
            send: (approvalId) => send(approvalId, controller.signal),
            signal: controller.signal,
          });
        }
      },
    };
    Object.assign(request.context, { halt });
    return undefined;
  };

  /** End the invocation's watch; count the unit unless Halt itself stopped it. */
  const finish = (request: Request, outcome: 'succeeded' | 'failed' | 'stopped by Halt') => {
    const entry = controllers.get(request);
    if (!entry) return;
    clearInterval(entry.timer);
    controllers.delete(request);
    if (outcome !== 'stopped by Halt') pending[outcome] += 1;
  };

  return {
    instanceId,
    before,
    after: async (request) => finish(request, 'succeeded'),
    // A unit stopped by Halt itself (a refused intent after a kill or pause) is not a failure of the agent.
    onError: async (request) => {
      const error = request.error;
      const stoppedByHalt =
        error instanceof AgentStoppedError ||
        (error instanceof IntentRefusedError && (error.code === 'agent_killed' || error.code === 'agent_paused'));
      finish(request, stoppedByHalt ? 'stopped by Halt' : 'failed');
    },
  };
};
