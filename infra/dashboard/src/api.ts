/** The dashboard's calls to the REST API, with the key kept for this tab only (sessionStorage). */
import type { ActionKillResult, Agent, AgentDetail, Approval, AuditEvent, ControlResult, KilledAction } from '../../../sdk/protocol/types';

const KEY = 'halt.key';

export class ApiError extends Error {
  public readonly status: number;
  public readonly code: string;
  public constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

export const session = {
  key: (): string | null => sessionStorage.getItem(KEY),
  signIn: (key: string) => sessionStorage.setItem(KEY, key),
  signOut: () => sessionStorage.removeItem(KEY),
};

/** Where the API lives: the same origin locally; `config.json` beside the app may say otherwise. */
export interface SiteConfig {
  apiUrl: string;
  wsUrl: string | null;
  region: string;
}

let config: SiteConfig | undefined;
export const siteConfig = async (): Promise<SiteConfig> => {
  if (config) return config;
  const response = await fetch('./config.json', { cache: 'no-store' });
  config = response.ok ? ((await response.json()) as SiteConfig) : { apiUrl: `${location.origin}/v1`, wsUrl: null, region: 'unknown' };
  return config;
};

export const call = async <T>(method: string, path: string, body?: unknown, key = session.key()): Promise<T> => {
  const { apiUrl } = await siteConfig();
  const response = await fetch(`${apiUrl}${path}`, {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  const parsed = text ? (JSON.parse(text) as unknown) : undefined;
  if (!response.ok) {
    const error = (parsed as { error?: { code: string; message: string } } | undefined)?.error;
    throw new ApiError(response.status, error?.code ?? 'http_error', error?.message ?? `HTTP ${response.status}`);
  }
  return parsed as T;
};

export type Role = 'operator' | 'viewer';

/** Check a key and learn what it may do: only operators may list keys. */
export const roleOf = async (key: string): Promise<Role> => {
  await call('GET', '/agents', undefined, key);
  try {
    await call('GET', '/keys', undefined, key);
    return 'operator';
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) return 'viewer';
    throw error;
  }
};

export const api = {
  agents: () => call<{ agents: Agent[] }>('GET', '/agents').then((r) => r.agents),
  agent: (id: string) => call<AgentDetail>('GET', `/agents/${encodeURIComponent(id)}`),
  usage: (id: string) => call<{ days: { day: string; intents: number; costUsd: number }[] }>('GET', `/agents/${encodeURIComponent(id)}/usage?days=14`),
  checkpoints: (id: string) => call<{ checkpoints: { name: string; savedAt: string }[] }>('GET', `/agents/${encodeURIComponent(id)}/checkpoints`),
  control: (id: string, action: 'kill' | 'pause' | 'resume', reason: string) =>
    call<ControlResult>('POST', `/agents/${encodeURIComponent(id)}/${action}`, { reason }),
  bulkKill: (tags: string[], reason: string) =>
    call<{ agents: { agentId: string; changed: boolean; enforcedIn: string[]; pendingIn: string[] }[] }>('POST', '/kill', { reason, tags }),
  audit: (agentId?: string) => call<{ events: AuditEvent[] }>('GET', `/audit?limit=100${agentId ? `&agentId=${encodeURIComponent(agentId)}` : ''}`),
  verify: (agentId?: string) =>
    call<{ ok: boolean; checked: number; firstBrokenEventId?: string }>('GET', `/audit/verify${agentId ? `?agentId=${encodeURIComponent(agentId)}` : ''}`),
  pendingApprovals: () => call<{ approvals: Approval[] }>('GET', '/approvals?status=pending').then((r) => r.approvals),
  approve: (approvalId: string, reason: string) =>
    call<Approval>('POST', `/approvals/${encodeURIComponent(approvalId)}/approve`, reason ? { reason } : {}),
  deny: (approvalId: string, reason: string) => call<Approval>('POST', `/approvals/${encodeURIComponent(approvalId)}/deny`, { reason }),
  killedActions: () => call<{ killed: KilledAction[] }>('GET', '/actions').then((r) => r.killed),
  /** `confirm` is needed for a glob that matches every action (a bare `*`). */
  killAction: (action: string, reason: string, confirm: boolean) =>
    call<Partial<ActionKillResult> & KilledAction>('POST', '/actions/kill', { action, reason, ...(confirm ? { confirm: true } : {}) }),
  resumeAction: (action: string, reason: string) => call<KilledAction>('POST', '/actions/resume', { action, reason }),
};
