/**
 * The operator's client: agents, kill / pause / resume (optionally waiting until every
 * instance acknowledges), bulk kill, audit, keys and policies.
 *
 * @example
 * const halt = new HaltClient({ url: 'http://127.0.0.1:4700', key: process.env.HALT_KEY! });
 * const result = await halt.kill({ agentId: 'email-campaign', reason: 'template breaks the law', wait: { timeoutMs: 5000 } });
 * console.log(`${result.acknowledged} of ${result.total} instances stopped`);
 */
import type { CreateAgentRequest, CreateKeyRequest, Policy, Role } from './protocol/schemas';
import type { Agent, AgentDetail, ApiKeySummary, AuditEvent, ControlResult } from './protocol/types';
import { HttpClient, type HttpClientOptions } from './http-client';

export interface WaitOptions {
  /** Give up after this long (the result then says how many acknowledged). @default 10000 */
  readonly timeoutMs?: number;
  /** How often to look. @default 100 */
  readonly intervalMs?: number;
  /** Called on each look with "N of M". */
  readonly onProgress?: (progress: { acknowledged: number; total: number }) => void;
}

export interface ControlOptions {
  readonly agentId: string;
  readonly reason: string;
  /** Refuse (409) if the agent has moved past this version. */
  readonly expectedVersion?: number;
  /** Wait until every instance acknowledges the new version. */
  readonly wait?: WaitOptions | boolean;
  readonly signal?: AbortSignal;
}

export interface ControlOutcome extends ControlResult {
  /** Present when waiting: instances that acknowledged the version, of all instances. */
  acknowledged?: number;
  total?: number;
  /** Present when waiting: false when the timeout came first. */
  complete?: boolean;
}

export interface BulkOptions {
  readonly reason: string;
  readonly tags?: readonly string[];
  readonly all?: true;
}

export interface BulkResult {
  /** Each agent's change, and the regions that confirmed it (`enforcedIn`) or not yet (`pendingIn`). */
  agents: { agentId: string; version: number; changed: boolean; pushed: number; enforcedIn: string[]; pendingIn: string[] }[];
  /** False when the call ran out of time: `remaining` names the agents not yet changed; call again. */
  complete: boolean;
  remaining: string[];
}

/** A stream batch the consumer gave up on (kept whole in the failed-batches bucket). */
export interface FailedBatchSummary {
  key: string;
  failedAt: string;
  condition: string;
  shardId: string;
  startSequenceNumber: string;
  endSequenceNumber: string;
  records: number;
  agentIds: string[];
}

export interface ReplayResult {
  replayed: FailedBatchSummary[];
  failed: (FailedBatchSummary & { error: string })[];
  /** False when the call ran out of time before trying every batch: call again. */
  complete: boolean;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });

export class HaltClient {
  private readonly http: HttpClient;

  public constructor(options: HttpClientOptions) {
    this.http = new HttpClient(options);
  }

  public listAgents(options: { tags?: readonly string[]; signal?: AbortSignal } = {}): Promise<{ agents: Agent[] }> {
    const query = (options.tags ?? []).map((t) => `tag=${encodeURIComponent(t)}`).join('&');
    return this.http.request('GET', `/agents${query ? `?${query}` : ''}`, options.signal ? { signal: options.signal } : {});
  }

  public getAgent(options: { agentId: string; signal?: AbortSignal }): Promise<AgentDetail> {
    return this.http.request('GET', `/agents/${encodeURIComponent(options.agentId)}`, options.signal ? { signal: options.signal } : {});
  }

  /** Intents and cost per UTC day, oldest first. */
  public getUsage(options: { agentId: string; days?: number }): Promise<{ days: { day: string; intents: number; costUsd: number; succeeded: number; failed: number }[] }> {
    return this.http.request('GET', `/agents/${encodeURIComponent(options.agentId)}/usage${options.days ? `?days=${options.days}` : ''}`);
  }

  /** Create an agent; its key is in the answer, once. */
  public createAgent(options: CreateAgentRequest): Promise<{ agent: Agent; agentKey: string }> {
    return this.http.request('POST', '/agents', { body: options });
  }

  public async deleteAgent(options: { agentId: string }): Promise<void> {
    await this.http.request('DELETE', `/agents/${encodeURIComponent(options.agentId)}`);
  }

  public kill(options: ControlOptions): Promise<ControlOutcome> {
    return this.control('kill', options);
  }

  public pause(options: ControlOptions): Promise<ControlOutcome> {
    return this.control('pause', options);
  }

  public resume(options: ControlOptions): Promise<ControlOutcome> {
    return this.control('resume', options);
  }

  /** Kill every agent carrying all `tags`, or every agent with `all: true`. */
  public bulkKill(options: BulkOptions): Promise<BulkResult> {
    return this.http.request('POST', '/kill', { body: options });
  }

  /** Pause every agent carrying all `tags`, or every agent (killed agents stay killed). */
  public bulkPause(options: BulkOptions): Promise<BulkResult> {
    return this.http.request('POST', '/pause', { body: options });
  }

  /** Resume every agent carrying all `tags`, or every agent. */
  public bulkResume(options: BulkOptions): Promise<BulkResult> {
    return this.http.request('POST', '/resume', { body: options });
  }

  /**
   * Wait until every instance of the agent acknowledges `version` ("3 of 3"), or the timeout.
   */
  public async waitForAcknowledgements(options: {
    agentId: string;
    version: number;
    signal?: AbortSignal;
  } & WaitOptions): Promise<{ acknowledged: number; total: number; complete: boolean }> {
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    for (;;) {
      const agent = await this.getAgent({ agentId: options.agentId, ...(options.signal ? { signal: options.signal } : {}) });
      const total = agent.instances.total;
      const acknowledged = agent.instanceList.filter((i) => (i.acknowledgedVersion ?? -1) >= options.version).length;
      options.onProgress?.({ acknowledged, total });
      if (acknowledged >= total || agent.version > options.version) return { acknowledged, total, complete: acknowledged >= total };
      if (Date.now() >= deadline) return { acknowledged, total, complete: false };
      await sleep(options.intervalMs ?? 100, options.signal);
    }
  }

  public listAudit(options: { agentId?: string; limit?: number; cursor?: string } = {}): Promise<{ events: AuditEvent[]; nextCursor?: string }> {
    const query = new URLSearchParams();
    if (options.agentId) query.set('agentId', options.agentId);
    if (options.limit !== undefined) query.set('limit', String(options.limit));
    if (options.cursor) query.set('cursor', options.cursor);
    const qs = query.toString();
    return this.http.request('GET', `/audit${qs ? `?${qs}` : ''}`);
  }

  public verifyAudit(options: { agentId?: string } = {}): Promise<{ ok: boolean; checked: number; firstBrokenEventId?: string }> {
    return this.http.request('GET', `/audit/verify${options.agentId ? `?agentId=${encodeURIComponent(options.agentId)}` : ''}`);
  }

  public createKey(options: CreateKeyRequest): Promise<ApiKeySummary & { key: string; role: Role }> {
    return this.http.request('POST', '/keys', { body: options });
  }

  public listKeys(): Promise<{ keys: ApiKeySummary[] }> {
    return this.http.request('GET', '/keys');
  }

  public async revokeKey(options: { keyId: string }): Promise<void> {
    await this.http.request('DELETE', `/keys/${encodeURIComponent(options.keyId)}`);
  }

  /** Stream batches the consumer gave up on, oldest first (operators). */
  public listFailedBatches(options: { limit?: number } = {}): Promise<{ batches: FailedBatchSummary[]; more: boolean }> {
    return this.http.request('GET', `/failed-batches${options.limit !== undefined ? `?limit=${options.limit}` : ''}`);
  }

  /** Hand every failed batch to the consumer again; each is removed once it went through (operators). */
  public replayFailedBatches(): Promise<ReplayResult> {
    return this.http.request('POST', '/failed-batches/replay');
  }

  public setPolicy(options: { agentId: string; policy: Policy }): Promise<{ policy: Policy; version: number }> {
    return this.http.request('PUT', `/agents/${encodeURIComponent(options.agentId)}/policy`, { body: options.policy });
  }

  private async control(action: 'kill' | 'pause' | 'resume', options: ControlOptions): Promise<ControlOutcome> {
    const result = await this.http.request<ControlResult>('POST', `/agents/${encodeURIComponent(options.agentId)}/${action}`, {
      body: { reason: options.reason, ...(options.expectedVersion !== undefined ? { expectedVersion: options.expectedVersion } : {}) },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (!options.wait) return result;
    const wait = options.wait === true ? {} : options.wait;
    const progress = await this.waitForAcknowledgements({
      agentId: options.agentId,
      version: result.version,
      ...wait,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return { ...result, ...progress };
  }
}
