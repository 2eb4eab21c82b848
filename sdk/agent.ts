/**
 * The agent's side of Halt: one object per running instance. It keeps the WebSocket open with
 * jittered reconnects (while it holds it, the connection is its presence: it checks the line
 * with protocol pings and sends a keep-alive message only when the line has been quiet for 9
 * minutes), heartbeats over REST when it has no WebSocket, aborts `signal` on kill,
 * acknowledges the versions it obeys, asks the gateway before each action, reports metrics in
 * batches, saves checkpoints, and fails closed when it loses the control plane for longer than
 * its limit (unless the agent's policy says `failMode: open`).
 *
 * @example
 * const halt = new HaltAgent({ url, wsUrl, key, agentId: 'email-campaign', instanceId: 'i-1' });
 * await halt.start();
 * for (const batch of batches) {
 *   if (halt.status === 'paused') { await halt.saveCheckpoint('i-1', { next: batch.start }); await halt.waitUntilActive(); }
 *   if (halt.signal.aborted) break;
 *   await halt.intent('email.send', { costUsd: 0.1 });   // throws IntentRefusedError once killed
 *   await send(batch, { signal: halt.signal });
 *   await halt.saveCheckpoint('i-1', { next: batch.end });
 * }
 * // An action under an approval rule waits for a person (approve or deny: `halt approvals`):
 * await halt.intent('email.send_all', { to: 'list-42', waitForApproval: { timeoutMs: 15 * 60_000 } });
 */
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import { AgentStoppedError, HaltApiError, IntentRefusedError } from './errors';
import { HttpClient } from './http-client';
import { GATEWAY_THROTTLED, KEEPALIVE_ACTION, KEEPALIVE_INTERVAL_MS, type ServerMessage } from './protocol/messages';
import type { AgentStatus } from './protocol/schemas';
import type { ApprovalStatus, HeartbeatResult, IntentResult } from './protocol/types';
import { DirectStatusReader, type DirectStatusOptions } from './direct-status';
import { approvalToWaitFor, checkWaitForApproval, waitForApproval, type WaitForApprovalOptions } from './wait-for-approval';
import type { Tracer } from '@opentelemetry/api';
import { ATTR, HaltTelemetry, SPAN, type HaltAttributes } from './telemetry';

/** How often a direct-mode instance reads the replica, by default. */
export const DEFAULT_DIRECT_READ_INTERVAL_MS = 1_000;

export interface HaltAgentOptions {
  /** REST base URL, e.g. `http://127.0.0.1:4700`. */
  readonly url: string;
  /** WebSocket URL, e.g. `ws://127.0.0.1:4701`; without it the agent heartbeats over REST only. */
  readonly wsUrl?: string;
  /** The agent's key. */
  readonly key: string;
  readonly agentId: string;
  readonly instanceId: string;
  /** Where this instance runs, as shown to operators. */
  readonly region?: string;
  /**
   * How often the instance checks it is still in touch: a REST heartbeat when it has no
   * WebSocket, a protocol ping when it has one (answered by the gateway itself: no Lambda, no
   * write; docs/cost.md). @default 30000
   */
  readonly heartbeatIntervalMs?: number;
  /**
   * Metrics (`recordSuccess`, `recordCost`) are sent at most this often over the WebSocket;
   * failures go within a second, since policies act on them. @default 300000
   */
  readonly reportIntervalMs?: number;
  /**
   * Send a keep-alive message when the WebSocket has carried nothing from this side for this
   * long (API Gateway closes connections idle for 10 minutes). @default 540000
   */
  readonly keepAliveIntervalMs?: number;
  /** Fail closed after this long without hearing from the control plane. @default 90000 */
  readonly failClosedAfterMs?: number;
  /** Acknowledge each version as soon as the signal is aborted (or renewed). @default true */
  readonly autoAcknowledge?: boolean;
  /** WebSocket reconnect backoff. @default { minDelayMs: 500, maxDelayMs: 30000 } */
  readonly reconnect?: { readonly minDelayMs?: number; readonly maxDelayMs?: number };
  /** Per REST request. @default 10000 */
  readonly timeoutMs?: number;
  /**
   * For an instance in Halt's own account (AWS credentials with `protectedReadStatement`'s
   * read of its agent's items): read the status straight from the state table's regional
   * replica every `readIntervalMs` (one eventually consistent query, half a read unit),
   * besides the pushes and heartbeats. An instance without a WebSocket then learns of a kill
   * within about a second instead of a heartbeat interval, while its REST heartbeat (presence,
   * metrics) stays at `heartbeatIntervalMs`.
   */
  readonly direct?: DirectStatusOptions & { readonly readIntervalMs?: number };
  /**
   * Your OpenTelemetry tracer (`trace.getTracer('my-agent')`): each intent becomes a
   * `halt.intent` span with the gateway's decision, each status change a `halt.status_change`
   * span (docs/integrations.md lists the attributes). Halt exports nothing itself.
   */
  readonly tracer?: Tracer;
}

export type AgentState = AgentStatus | 'unknown' | 'unreachable';

export interface StatusChange {
  status: AgentState;
  version: number;
  reason: string | null;
}

/** What an intent declares: the gateway decides on it, and an approval is bound to all of it. */
export interface IntentOptions {
  readonly costUsd?: number;
  /** Another agent the action is for (refused while that agent is killed or paused). */
  readonly to?: string;
  readonly payload?: unknown;
  /** An approval an operator gave this exact call (from an earlier `approval_required`). */
  readonly approvalId?: string;
  /**
   * When the action needs a person's approval (403 `approval_required`), wait for the
   * decision instead of throwing: the intent is sent again under the approval when a decision
   * is pushed over the WebSocket, and every `pollIntervalMs` (2 s) besides. Resolves once an
   * operator approves; throws the gateway's refusal on a denial (`approval_denied`) or an
   * approval that can no longer be used (`approval_invalid`: expired, cancelled by a kill or
   * pause), `ApprovalTimeoutError` after `timeoutMs`, and `AgentStoppedError` when the agent
   * is killed (or `signal`'s reason when it aborts).
   */
  readonly waitForApproval?: WaitForApprovalOptions;
  readonly signal?: AbortSignal;
  /** Added to the intent's span (with a tracer): e.g. `gen_ai.tool.name` from an adapter. */
  readonly attributes?: HaltAttributes;
}

/** A pushed decision on one of this agent's approvals. */
export interface ApprovalDecision {
  approvalId: string;
  status: ApprovalStatus;
}

/** A pushed fleet-wide kill (or resume) of an action glob. */
export interface ActionKillChange {
  action: string;
  reason: string;
}

interface PendingMetrics {
  succeeded: number;
  failed: number;
  costUsd: number;
}

const STOPPED = new Set<AgentState>(['killed', 'paused', 'unreachable']);

/** How often an instance heartbeats unless told otherwise (the cost model reads this too). */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 30_000;
/** How often batched metrics are reported over the WebSocket (the cost model reads this too). */
export const DEFAULT_REPORT_INTERVAL_MS = 300_000;
/** Failures are reported this soon (and no more often), so failure policies act in time. */
export const FAILURE_REPORT_DELAY_MS = 1_000;

export class HaltAgent extends EventEmitter {
  public readonly agentId: string;
  public readonly instanceId: string;
  private readonly telemetry: HaltTelemetry;
  private readonly options: HaltAgentOptions;
  private readonly http: HttpClient;
  private controller = new AbortController();
  private state: AgentState = 'unknown';
  private knownVersion = 0;
  private reasonText: string | null = null;
  private failMode: 'closed' | 'open' = 'closed';
  private acknowledgedVersion: number | undefined;
  private lastContactAt = Date.now();
  private pending: PendingMetrics = { succeeded: 0, failed: 0, costUsd: 0 };
  private socket: WebSocket | undefined;
  /** When this instance last sent a message on the current socket (the keep-alive clock). */
  private lastSentAt = 0;
  private lastReportAt = 0;
  private failureReportTimer: NodeJS.Timeout | undefined;
  private reconnectAttempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  /** A throttled acknowledgement waiting to be sent again. */
  private ackRetryTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private watchdogTimer: NodeJS.Timeout | undefined;
  private readonly reader: DirectStatusReader | undefined;
  private directTimer: NodeJS.Timeout | undefined;
  private directReading = false;
  private closed = false;
  /** Action globs an operator killed for every agent, as pushed since this instance connected. */
  private readonly fleetKilledActions = new Set<string>();

  public constructor(options: HaltAgentOptions) {
    super();
    this.options = options;
    this.agentId = options.agentId;
    this.instanceId = options.instanceId;
    this.telemetry = new HaltTelemetry(options.tracer, { [ATTR.agentId]: options.agentId, [ATTR.instanceId]: options.instanceId });
    this.http = new HttpClient({ url: options.url, key: options.key, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) });
    this.reader = options.direct ? new DirectStatusReader(options.direct) : undefined;
  }

  /**
   * Aborted when the agent is killed or cut off (fail closed): the work in hand stops. A pause
   * does not abort it (see `shouldStop`). After resume it is a new, live signal.
   */
  public get signal(): AbortSignal {
    return this.controller.signal;
  }

  public get status(): AgentState {
    return this.state;
  }

  /** True while the agent must not start another unit of work (killed, paused or cut off). */
  public get shouldStop(): boolean {
    return STOPPED.has(this.state);
  }

  /** The reason given with the last status change (a kill's or pause's), if any. */
  public get reason(): string | null {
    return this.reasonText;
  }

  public get version(): number {
    return this.knownVersion;
  }

  /**
   * The action globs killed for every agent (`halt actions kill`), as pushed to this instance
   * since it started; a resume removes one. For information (to skip work that would be
   * refused): the gateway enforces them whatever this holds, and a kill made before this
   * instance connected is learnt from the gateway's refusal (`action_killed`), not from here.
   */
  public get killedActions(): ReadonlySet<string> {
    return new Set(this.fleetKilledActions);
  }

  /** Register with a first heartbeat, open the WebSocket, start heartbeating. */
  public async start(): Promise<HeartbeatResult> {
    this.closed = false;
    const first = await this.restHeartbeat();
    this.connect();
    const interval = this.options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
    this.heartbeatTimer = setInterval(() => void this.tick(), interval);
    this.watchdogTimer = setInterval(() => this.checkContact(), Math.min(1_000, interval));
    if (this.reader) this.directTimer = setInterval(() => void this.directRead(), this.options.direct?.readIntervalMs ?? DEFAULT_DIRECT_READ_INTERVAL_MS);
    return first;
  }

  /** Stop heartbeating and close the WebSocket (pending metrics are sent first, if possible). */
  public async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.heartbeatTimer);
    clearInterval(this.watchdogTimer);
    clearInterval(this.directTimer);
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.ackRetryTimer);
    clearTimeout(this.failureReportTimer);
    if (this.hasPendingMetrics()) await this.restHeartbeat().catch((error: unknown) => this.report(error));
    this.socket?.close(1000, 'agent closing');
    this.socket = undefined;
  }

  /**
   * Heartbeat now, with the pending metrics: over the WebSocket when open (answered there),
   * else REST. The SDK does this by itself when it connects and when metrics are due.
   */
  public async beat(): Promise<void> {
    try {
      const socket = this.socket;
      if (socket?.readyState === WebSocket.OPEN) {
        const metrics = this.takeMetrics();
        this.lastReportAt = Date.now();
        this.send(socket, { action: 'heartbeat', ...(metrics ? { metrics } : {}) }, (error) => {
          if (metrics) this.restoreMetrics(metrics);
          this.report(error);
        });
      } else {
        await this.restHeartbeat();
      }
    } catch (error) {
      this.report(error);
    }
  }

  /**
   * Ask the gateway before acting. Resolves with the intent id (and, in shadow mode, the
   * refusal the policy would have made: `wouldRefuse`); throws `IntentRefusedError`
   * (`agent_killed`, `agent_paused`, `action_denied`, `action_killed`, `recipient_killed`,
   * `budget_exceeded`, `approval_required` with `error.approval`, `approval_denied`,
   * `approval_invalid`). With `waitForApproval`, an action that needs a person waits for the
   * decision instead (see `IntentOptions.waitForApproval`).
   *
   * @example
   * const { intentId } = await halt.intent('email.send_all', {
   *   to: 'list-42', costUsd: 4.2, waitForApproval: { timeoutMs: 10 * 60_000 }, signal: halt.signal,
   * });
   */
  public async intent(action: string, options: IntentOptions = {}): Promise<IntentResult> {
    const { signal, waitForApproval: wait, approvalId, attributes = {}, ...call } = options;
    if (wait) checkWaitForApproval(wait);
    const send = (id: string | undefined, stop: AbortSignal | undefined) =>
      this.telemetry.intent(action, id ? { ...attributes, [ATTR.approvalId]: id } : attributes, () => this.sendIntent(action, { ...call, ...(id ? { approvalId: id } : {}) }, stop));
    try {
      return await send(approvalId, signal);
    } catch (error) {
      const held = approvalToWaitFor(error, wait);
      // Held for a person: the same call again under the approval, until it is decided. A
      // kill aborts the agent's signal and so the wait (its pending approvals are cancelled).
      const stop = signal ? AbortSignal.any([signal, this.signal]) : this.signal;
      return waitForApproval({
        ...held.wait,
        approvalId: held.approvalId,
        send: (id) => send(id, stop),
        subscribe: (onDecision) => {
          const listener = (decision: ApprovalDecision) => onDecision(decision.approvalId);
          this.on('approval', listener);
          return () => this.off('approval', listener);
        },
        signal: stop,
      });
    }
  }

  /** Count a finished unit of work (sent with the next report). */
  public recordSuccess(count = 1): void {
    this.pending.succeeded += count;
  }

  /** Count a failed unit of work (reported within a second: failure policies act on it). */
  public recordFailure(count = 1): void {
    this.pending.failed += count;
    if (this.failureReportTimer === undefined && !this.closed && this.heartbeatTimer !== undefined) {
      this.failureReportTimer = setTimeout(() => {
        this.failureReportTimer = undefined;
        if (this.hasPendingMetrics()) void this.beat();
      }, FAILURE_REPORT_DELAY_MS);
    }
  }

  /** Count a cost not already declared on an intent (sent with the next report). */
  public recordCost(costUsd: number): void {
    if (!(costUsd >= 0)) throw new RangeError('costUsd must be 0 or more');
    this.pending.costUsd += costUsd;
  }

  public saveCheckpoint(name: string, data: unknown): Promise<{ savedAt: string }> {
    return this.http.request('PUT', `/agents/${encodeURIComponent(this.agentId)}/checkpoints/${encodeURIComponent(name)}`, {
      body: { data },
    });
  }

  /** The checkpoint, or undefined when there is none. */
  public async loadCheckpoint<T = unknown>(name: string): Promise<{ data: T; savedAt: string } | undefined> {
    try {
      return await this.http.request('GET', `/agents/${encodeURIComponent(this.agentId)}/checkpoints/${encodeURIComponent(name)}`);
    } catch (error) {
      if (error instanceof HaltApiError && error.code === 'no_checkpoint') return undefined;
      throw error;
    }
  }

  /** Tell the control plane this instance obeys `version` (done by itself unless `autoAcknowledge: false`). */
  public async acknowledge(version = this.knownVersion): Promise<void> {
    this.acknowledgedVersion = version;
    const socket = this.socket;
    if (socket?.readyState === WebSocket.OPEN) {
      this.send(socket, { action: 'ack', version }, () => void this.restHeartbeat().catch((e: unknown) => this.report(e)));
      return;
    }
    await this.restHeartbeat();
  }

  /** Resolves when the agent is active again (at once if it is). */
  public waitUntilActive(signal?: AbortSignal): Promise<void> {
    if (this.state === 'active') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onResume = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        this.off('resume', onResume);
        reject(signal?.reason);
      };
      this.once('resume', onResume);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  // ---- internals ----------------------------------------------------------------------

  /** One intent to the gateway; a refusal becomes an `IntentRefusedError` (with its approval). */
  private async sendIntent(
    action: string,
    call: { costUsd?: number; to?: string; payload?: unknown; approvalId?: string },
    signal: AbortSignal | undefined,
  ): Promise<IntentResult> {
    try {
      return await this.http.request<IntentResult>('POST', `/agents/${encodeURIComponent(this.agentId)}/intents`, {
        body: { instanceId: this.instanceId, action, ...call },
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (error instanceof HaltApiError && (error.status === 403 || error.status === 429)) {
        if (error.code === 'agent_killed' || error.code === 'agent_paused') {
          // The control plane knows more than we do: learn the version now.
          void this.restHeartbeat().catch((e: unknown) => this.report(e));
        }
        throw IntentRefusedError.from(error);
      }
      throw error;
    }
  }

  /**
   * Every heartbeat interval: without a WebSocket, a REST heartbeat. With one, a protocol
   * ping (its pong is contact), the metrics when they are due, and a keep-alive message
   * when the line has been quiet long enough for API Gateway to close it.
   */
  private async tick(): Promise<void> {
    const socket = this.socket;
    if (socket?.readyState !== WebSocket.OPEN) {
      await this.beat();
      return;
    }
    socket.ping();
    const now = Date.now();
    const reportEvery = this.options.reportIntervalMs ?? DEFAULT_REPORT_INTERVAL_MS;
    if (this.hasPendingMetrics() && now - this.lastReportAt >= reportEvery) {
      await this.beat();
    } else if (now - this.lastSentAt >= (this.options.keepAliveIntervalMs ?? KEEPALIVE_INTERVAL_MS)) {
      this.send(socket, { action: KEEPALIVE_ACTION }, (error) => this.report(error));
    }
  }

  /** Direct mode: the replica's answer is contact, like a heartbeat's (one read at a time). */
  private async directRead(): Promise<void> {
    if (!this.reader || this.directReading || this.closed) return;
    this.directReading = true;
    try {
      const answer = await this.reader.read(this.agentId, { signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000) });
      this.lastContactAt = Date.now();
      this.failMode = answer.failMode;
      this.apply({ status: answer.status, version: answer.version, reason: answer.reason ?? null });
    } catch (error) {
      this.report(error);
    } finally {
      this.directReading = false;
    }
  }

  /** Send on `socket`; `onError` runs if the message could not be written. */
  private send(socket: WebSocket, message: Record<string, unknown>, onError: (error: Error) => void): void {
    this.lastSentAt = Date.now();
    socket.send(JSON.stringify(message), (error) => {
      if (error) onError(error);
    });
  }

  private async restHeartbeat(): Promise<HeartbeatResult> {
    const metrics = this.takeMetrics();
    try {
      const answer = await this.http.request<HeartbeatResult>('POST', `/agents/${encodeURIComponent(this.agentId)}/heartbeat`, {
        body: {
          instanceId: this.instanceId,
          ...(this.options.region ? { region: this.options.region } : {}),
          ...(this.acknowledgedVersion !== undefined ? { acknowledgedVersion: this.acknowledgedVersion } : {}),
          ...(metrics ? { metrics } : {}),
        },
      });
      this.lastContactAt = Date.now();
      this.failMode = answer.failMode;
      this.apply({ status: answer.status, version: answer.version, reason: answer.reason ?? null });
      return answer;
    } catch (error) {
      if (metrics) this.restoreMetrics(metrics);
      throw error;
    }
  }

  private connect(): void {
    const base = this.options.wsUrl;
    if (!base || this.closed) return;
    const url = new URL(base);
    url.searchParams.set('agentId', this.agentId);
    url.searchParams.set('instanceId', this.instanceId);
    const socket = new WebSocket(url, { headers: { authorization: `Bearer ${this.options.key}` } });
    this.socket = socket;
    socket.on('open', () => {
      this.reconnectAttempt = 0;
      this.lastSentAt = Date.now();
      this.contact();
      this.emit('connected');
      // Learn what happened while we were away, and acknowledge what we obey.
      void this.beat();
      if (this.acknowledgedVersion !== undefined) void this.acknowledge(this.acknowledgedVersion);
    });
    socket.on('message', (data: Buffer) => this.onMessage(data));
    // The gateway answers protocol pings itself: the line (and so the push path) is alive.
    socket.on('pong', () => this.contact());
    socket.on('unexpected-response', (_req, res) => {
      this.report(new HaltApiError(res.statusCode ?? 0, 'websocket_refused', `the WebSocket handshake was refused (${res.statusCode ?? '?'})`));
      socket.terminate();
    });
    socket.on('error', (error) => this.report(error));
    socket.on('close', () => {
      if (this.socket === socket) this.socket = undefined;
      this.emit('disconnected');
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    if (this.closed || !this.options.wsUrl) return;
    const min = this.options.reconnect?.minDelayMs ?? 500;
    const max = this.options.reconnect?.maxDelayMs ?? 30_000;
    const ceiling = Math.min(max, min * 2 ** this.reconnectAttempt++);
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  private onMessage(data: Buffer): void {
    this.contact();
    let message: ServerMessage;
    try {
      message = JSON.parse(data.toString('utf8')) as ServerMessage;
    } catch (error) {
      this.report(error);
      return;
    }
    if ((message as { message?: unknown }).message === GATEWAY_THROTTLED && !('type' in message)) {
      this.onThrottled();
      return;
    }
    switch (message.type) {
      case 'kill':
      case 'pause':
      case 'resume':
        this.apply({ status: message.type === 'kill' ? 'killed' : message.type === 'pause' ? 'paused' : 'active', version: message.version, reason: message.reason });
        break;
      case 'heartbeat':
        this.failMode = message.failMode;
        this.apply({ status: message.status, version: message.version, reason: message.reason ?? null });
        break;
      case 'intent':
        this.emit('intent', message);
        break;
      case 'approval':
        // Agents are sent the decision on their own approvals (watchers get the whole approval).
        if ('approvalId' in message) this.emit('approval', { approvalId: message.approvalId, status: message.status } satisfies ApprovalDecision);
        break;
      case 'action_killed':
        this.fleetKilledActions.add(message.action);
        this.emit('action_killed', { action: message.action, reason: message.reason } satisfies ActionKillChange);
        break;
      case 'action_resumed':
        this.fleetKilledActions.delete(message.action);
        this.emit('action_resumed', { action: message.action, reason: message.reason } satisfies ActionKillChange);
        break;
      case 'error':
        this.report(new HaltApiError(400, message.code, message.message));
        break;
      default:
        break;
    }
  }

  /**
   * The gateway refused a message of ours over its throttle (a fleet acknowledging a kill at
   * once can pass it). The frame does not say which message: send the acknowledgement again
   * after a jittered pause, once (it is idempotent); the next heartbeat carries it too.
   */
  private onThrottled(): void {
    if (this.acknowledgedVersion === undefined || this.ackRetryTimer || this.closed) return;
    const version = this.acknowledgedVersion;
    this.ackRetryTimer = setTimeout(() => {
      this.ackRetryTimer = undefined;
      if (!this.closed && this.acknowledgedVersion === version) void this.acknowledge(version).catch((error: unknown) => this.report(error));
    }, 250 + Math.random() * 1_750);
  }

  /** Take a state the control plane told us about; stale versions are ignored. */
  private apply(next: StatusChange): void {
    const wasUnreachable = this.state === 'unreachable';
    if (next.version < this.knownVersion) return;
    // The same version again is a duplicate, unless we did not know (or lost) our state.
    if (next.version === this.knownVersion && !wasUnreachable && this.state !== 'unknown') return;
    const previous = this.state;
    this.state = next.status;
    this.knownVersion = next.version;
    this.reasonText = next.reason;
    this.telemetry.instant(SPAN.statusChange, {
      [ATTR.status]: next.status,
      [ATTR.version]: next.version,
      ...(next.reason ? { [ATTR.reason]: next.reason } : {}),
    });
    if (next.status === 'killed') {
      // A kill stops the work in hand: whatever listens to the signal is cut off now.
      if (!this.controller.signal.aborted) this.controller.abort(new AgentStoppedError('killed', next.version, next.reason));
      this.emit('kill', next);
    } else if (next.status === 'paused') {
      // A pause is softer: the unit in hand finishes (the signal stays live); the agent's
      // loop sees `shouldStop`, checkpoints and calls waitUntilActive().
      this.emit('pause', next);
    } else if (STOPPED.has(previous)) {
      if (this.controller.signal.aborted) this.controller = new AbortController();
      this.emit('resume', next);
    }
    this.emit('status', next);
    if (this.options.autoAcknowledge ?? true) {
      if (this.acknowledgedVersion !== next.version) void this.acknowledge(next.version).catch((error: unknown) => this.report(error));
    }
  }

  private contact(): void {
    this.lastContactAt = Date.now();
    if (this.state === 'unreachable') {
      // Back in touch: the next answer tells us the real status (and renews the signal).
      void this.restHeartbeat().catch((error: unknown) => this.report(error));
    }
  }

  private checkContact(): void {
    const limit = this.options.failClosedAfterMs ?? 90_000;
    if (this.failMode === 'open' || this.state === 'unreachable') return;
    if (Date.now() - this.lastContactAt <= limit) return;
    this.state = 'unreachable';
    if (!this.controller.signal.aborted) {
      this.controller.abort(new AgentStoppedError('unreachable', this.knownVersion, `no answer for ${Math.round(limit / 1000)} s`));
    }
    const change: StatusChange = { status: 'unreachable', version: this.knownVersion, reason: this.reasonText };
    this.emit('unreachable', change);
    this.emit('status', change);
  }

  private hasPendingMetrics(): boolean {
    return this.pending.succeeded > 0 || this.pending.failed > 0 || this.pending.costUsd > 0;
  }

  private takeMetrics(): PendingMetrics | undefined {
    if (!this.hasPendingMetrics()) return undefined;
    const taken = this.pending;
    this.pending = { succeeded: 0, failed: 0, costUsd: 0 };
    return taken;
  }

  private restoreMetrics(metrics: PendingMetrics): void {
    this.pending.succeeded += metrics.succeeded;
    this.pending.failed += metrics.failed;
    this.pending.costUsd += metrics.costUsd;
  }

  private report(error: unknown): void {
    const err = error instanceof Error ? error : new Error(String(error));
    if (this.listenerCount('error') > 0) this.emit('error', err);
    else console.warn(`[halt agent ${this.agentId}/${this.instanceId}]`, err.message);
  }
}
