/**
 * The operator's client: agents, kill / pause / resume (optionally waiting until every
 * instance acknowledges), bulk kill, audit, keys, policies, approvals and fleet-wide action
 * kills.
 *
 * @example
 * const halt = new HaltClient({ url: 'http://127.0.0.1:4700', key: process.env.HALT_KEY! });
 * const result = await halt.kill({ agentId: 'email-campaign', reason: 'template breaks the law', wait: { timeoutMs: 5000 } });
 * console.log(`${result.acknowledged} of ${result.total} instances stopped`);
 */
import type { ApprovalStatus, CreateAgentRequest, CreateKeyRequest, Policy, Role } from './protocol/schemas';
import type { ActionKillResult, Agent, AgentDetail, ApiKeySummary, Approval, AuditEvent, ControlResult, KilledAction } from './protocol/types';
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

  /**
   * Approvals, newest first: every one, or those with `status` and/or of `agentId`
   * (operators, viewers).
   *
   * @example
   * const { approvals } = await halt.listApprovals({ status: 'pending' });
   * for (const a of approvals) console.log(`${a.approvalId}: ${a.agentId} wants ${a.action} to ${a.to ?? '-'} until ${a.expiresAt}`);
   */
  public listApprovals(options: { status?: ApprovalStatus; agentId?: string; signal?: AbortSignal } = {}): Promise<{ approvals: Approval[] }> {
    const query = new URLSearchParams();
    if (options.status) query.set('status', options.status);
    if (options.agentId) query.set('agentId', options.agentId);
    const qs = query.toString();
    return this.http.request('GET', `/approvals${qs ? `?${qs}` : ''}`, options.signal ? { signal: options.signal } : {});
  }

  /**
   * One approval as it now stands (404 `not_found` for an unknown id).
   *
   * @example
   * const approval = await halt.getApproval({ approvalId: 'apr_0123456789abcdef01234567' });
   * if (approval.status === 'pending') console.log('still waiting for a decision, until', approval.expiresAt);
   */
  public getApproval(options: { approvalId: string; signal?: AbortSignal }): Promise<Approval> {
    return this.http.request('GET', `/approvals/${encodeURIComponent(options.approvalId)}`, options.signal ? { signal: options.signal } : {});
  }

  /**
   * Let the agent make the exact call it asked about, once (operators). Deciding one that is
   * not pending is a 409 `conflict`.
   *
   * @example
   * const approval = await halt.approve({ approvalId: 'apr_0123456789abcdef01234567', reason: 'list checked by legal' });
   * // approval.status === 'approved': the agent's next intent with this approvalId is admitted
   */
  public approve(options: { approvalId: string; reason?: string }): Promise<Approval> {
    return this.http.request('POST', `/approvals/${encodeURIComponent(options.approvalId)}/approve`, {
      body: options.reason !== undefined ? { reason: options.reason } : {},
    });
  }

  /**
   * Refuse the call the agent asked about (operators); the reason is required, recorded in
   * the audit trail and given to the agent. Deciding one that is not pending is a 409 `conflict`.
   *
   * @example
   * await halt.deny({ approvalId: 'apr_0123456789abcdef01234567', reason: 'this list has not opted in' });
   * // the agent's intent is refused with approval_denied
   */
  public deny(options: { approvalId: string; reason: string }): Promise<Approval> {
    return this.http.request('POST', `/approvals/${encodeURIComponent(options.approvalId)}/deny`, { body: { reason: options.reason } });
  }

  /**
   * Refuse an action glob for every agent in every region (403 `action_killed`), whatever
   * their own policies, until `resumeAction` (operators). A glob matching every action (`*`)
   * needs `confirm: true`. The answer says where the gateways are confirmed to refuse it.
   *
   * @example
   * const killed = await halt.killAction({ action: 'email.*', reason: 'the mail provider leaks addresses' });
   * console.log(`${killed.action} refused for every agent; enforced in ${killed.enforcedIn.join(', ')}`);
   */
  public killAction(options: { action: string; reason: string; confirm?: boolean; signal?: AbortSignal }): Promise<ActionKillResult> {
    return this.http.request('POST', '/actions/kill', {
      body: { action: options.action, reason: options.reason, ...(options.confirm ? { confirm: true } : {}) },
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  /**
   * Lift a fleet-wide kill of an action glob (operators); each agent's own policy applies
   * again. 404 `not_found` when that glob is not killed (give it exactly as it was killed).
   * The answer is the resume (who, when, why) and the regions confirmed to have lifted it.
   *
   * @example
   * const lifted = await halt.resumeAction({ action: 'email.*', reason: 'provider patched' });
   * console.log(`${lifted.action} allowed again; lifted in ${lifted.enforcedIn.join(', ')}`);
   */
  public resumeAction(options: { action: string; reason: string; signal?: AbortSignal }): Promise<ActionKillResult> {
    return this.http.request('POST', '/actions/resume', {
      body: { action: options.action, reason: options.reason },
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  /**
   * The action globs killed for every agent, with who killed them, when and why (operators, viewers).
   *
   * @example
   * const { killed } = await halt.listKilledActions();
   * for (const k of killed) console.log(`${k.action}: ${k.reason} (${k.actor}, ${k.at})`);
   */
  public listKilledActions(options: { signal?: AbortSignal } = {}): Promise<{ killed: KilledAction[] }> {
    return this.http.request('GET', '/actions', options.signal ? { signal: options.signal } : {});
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
