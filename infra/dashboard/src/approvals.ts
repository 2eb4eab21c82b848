/**
 * Pending approvals: intents held for a person, each bound to its exact call. Loaded from
 * `GET /v1/approvals?status=pending`, then kept current by the watch's `{type:"approval"}`
 * messages (or the polling fallback). A decided approval stays in view, with its decision,
 * for a minute; an operator sees Approve and Deny, a viewer the list alone.
 */
import type { Approval } from '../../../sdk/protocol/types';
import { api, type Role } from './api';
import { html, raw, syncChildren, until, when, type Raw } from './dom';

/** How long an approval decided (or expired, used, cancelled) stays in the list. */
const SHOW_DECIDED_MS = 60_000;
/** Longest payload shown; the rest is cut, and the cut said. */
const MAX_PAYLOAD_CHARS = 20_000;

const approvals = new Map<string, Approval>();
let loaded = false;
/** The last load's failure, shown in the section until a load succeeds. */
let lastError = '';
const leaving = new Map<string, number>();
let onExpire: (() => void) | undefined;

export type ApprovalChange = 'requested' | 'decided' | 'unchanged';

const forget = (approvalId: string) => {
  window.clearTimeout(leaving.get(approvalId));
  leaving.delete(approvalId);
  approvals.delete(approvalId);
};

const keepAWhile = (approval: Approval) => {
  if (leaving.has(approval.approvalId)) return;
  leaving.set(
    approval.approvalId,
    window.setTimeout(() => {
      forget(approval.approvalId);
      onExpire?.();
    }, SHOW_DECIDED_MS),
  );
};

/** Call `repaint` when a decided approval leaves the list by itself. */
export const onApprovalsExpire = (repaint: () => void) => {
  onExpire = repaint;
};

/**
 * Take an approval as it now stands. A decision is final: an older "pending" view (a poll
 * that crossed a push) never brings a decided approval back.
 */
export const applyApproval = (approval: Approval): ApprovalChange => {
  const known = approvals.get(approval.approvalId);
  if (known && known.status !== 'pending' && approval.status === 'pending') return 'unchanged';
  if (known && JSON.stringify(known) === JSON.stringify(approval)) return 'unchanged';
  approvals.set(approval.approvalId, approval);
  if (approval.status !== 'pending') {
    keepAWhile(approval);
    return known?.status === approval.status ? 'unchanged' : 'decided';
  }
  return known ? 'unchanged' : 'requested';
};

/** Reload the pending list; a pending approval the server no longer lists was decided meanwhile. */
export const loadApprovals = async (): Promise<Approval[]> => {
  const fresh = await api.pendingApprovals();
  const ids = new Set(fresh.map((a) => a.approvalId));
  for (const [id, known] of approvals) if (known.status === 'pending' && !ids.has(id)) forget(id);
  loaded = true;
  return fresh.filter((a) => applyApproval(a) === 'requested');
};

export const approvalById = (approvalId: string): Approval | undefined => approvals.get(approvalId);

export const pendingCount = (): number => [...approvals.values()].filter((a) => a.status === 'pending').length;

export const describeApproval = (a: Approval): string => `${a.agentId} wants ${a.action}${a.to ? ` to ${a.to}` : ''}${a.costUsd !== undefined ? ` ($${money(a.costUsd)})` : ''}`;

const money = (usd: number): string => (usd > 0 && usd < 0.01 ? usd.toFixed(4) : usd.toFixed(2));

const payloadText = (payload: unknown): string => {
  if (payload === undefined) return 'No payload.';
  const text = JSON.stringify(payload, null, 2) ?? String(payload);
  return text.length > MAX_PAYLOAD_CHARS ? `${text.slice(0, MAX_PAYLOAD_CHARS)}\n… (${text.length - MAX_PAYLOAD_CHARS} more characters not shown)` : text;
};

const moment = (iso: string, relative: 'ago' | 'until'): Raw =>
  html`<time datetime="${iso}">${new Date(iso).toLocaleString()}</time>
    (<span ${raw(relative === 'ago' ? 'data-ago' : 'data-until')}="${iso}">${relative === 'ago' ? when(iso) : until(iso)}</span>)`;

const decisionText = (a: Approval): Raw => {
  const by = a.decidedBy ? html` by ${a.decidedBy}` : '';
  const at = a.decidedAt ? html` ${when(a.decidedAt)}` : '';
  const why = a.reason ? html`: “${a.reason}”` : '';
  return html`${a.status}${by}${at}${why}`;
};

const approvalItem = (a: Approval, role: Role | null, agentName: (id: string) => string): Raw => {
  const id = `approval-${a.approvalId}`;
  const decidable = role === 'operator' && a.status === 'pending';
  return html`<li class="approval ${a.status}" data-approval="${a.approvalId}" aria-labelledby="${id}-title">
    <h3 id="${id}-title"><code>${a.action}</code> for <a href="#/agents/${encodeURIComponent(a.agentId)}">${agentName(a.agentId)}</a>
      <span class="badge ${a.status}" data-approval-status>${a.status}</span></h3>
    <dl class="facts">
      <div><dt>Agent</dt><dd>${a.agentId}</dd></div>
      <div><dt>Instance</dt><dd>${a.instanceId}</dd></div>
      <div><dt>Action</dt><dd><code>${a.action}</code></dd></div>
      <div><dt>To</dt><dd>${a.to ?? '—'}</dd></div>
      <div><dt>Cost</dt><dd>${a.costUsd !== undefined ? `$${money(a.costUsd)}` : '—'}</dd></div>
      <div><dt>Requested</dt><dd>${moment(a.requestedAt, 'ago')}</dd></div>
      <div><dt>Expires</dt><dd>${moment(a.expiresAt, 'until')}</dd></div>
      ${a.status !== 'pending' ? html`<div><dt>Decision</dt><dd data-approval-decision-text>${decisionText(a)}</dd></div>` : ''}
    </dl>
    <p class="payload-label" id="${id}-payload">Payload</p>
    <pre class="payload" tabindex="0" role="region" aria-labelledby="${id}-payload ${id}-title">${payloadText(a.payload)}</pre>
    ${decidable
      ? html`<p class="actions">
          <button type="button" class="primary" data-approval-decision="approve" data-approval-id="${a.approvalId}" aria-describedby="${id}-title">Approve</button>
          <button type="button" class="danger" data-approval-decision="deny" data-approval-id="${a.approvalId}" aria-describedby="${id}-title">Deny</button>
        </p>`
      : ''}
  </li>`;
};

/** The section's frame; `paintApprovals` fills it. */
export const approvalsSection = (role: Role | null): Raw =>
  html`<section aria-labelledby="approvals-title" class="approvals-section">
    <h2 id="approvals-title" tabindex="-1">Pending approvals <span class="count" data-count="approvals">0</span></h2>
    <p class="hint">Calls held for a person. ${role === 'operator'
      ? 'Approving lets the agent make this exact call once (same action, recipient, cost and payload); denying refuses it. Unanswered, it expires and is refused.'
      : 'Only an operator can approve or deny; unanswered, a request expires and is refused.'}</p>
    <p class="error" id="approvals-error" role="alert" hidden></p>
    <p id="approvals-empty">Loading…</p>
    <ol id="approval-list" class="approvals" aria-labelledby="approvals-title"></ol>
  </section>`;

/** Show the approvals in the section (if on screen) and the count in the navigation. */
export const paintApprovals = (role: Role | null, agentName: (id: string) => string, error?: string): void => {
  const pending = pendingCount();
  for (const el of document.querySelectorAll<HTMLElement>('[data-count="approvals"]')) el.textContent = String(pending);
  const list = document.querySelector<HTMLElement>('#approval-list');
  if (!list) return;
  const shown = [...approvals.values()].sort((a, b) => b.requestedAt.localeCompare(a.requestedAt));
  syncChildren(
    list,
    shown.map((a) => ({ key: a.approvalId, signature: `${role}|${JSON.stringify(a)}`, view: approvalItem(a, role, agentName) })),
  );
  const empty = document.querySelector<HTMLElement>('#approvals-empty');
  if (error !== undefined) lastError = error;
  if (empty) {
    empty.hidden = shown.length > 0 || lastError !== '';
    empty.textContent = loaded ? 'No approval is waiting.' : 'Loading…';
  }
  list.hidden = shown.length === 0;
  const problem = document.querySelector<HTMLElement>('#approvals-error');
  if (problem) {
    problem.hidden = lastError === '';
    if (problem.textContent !== lastError) problem.textContent = lastError;
  }
};

/** Keep "2 min ago" and "in 13 min" true without redrawing a single item. */
export const tickApprovalTimes = (): void => {
  for (const el of document.querySelectorAll<HTMLElement>('#approval-list [data-ago]')) el.textContent = when(el.dataset.ago);
  for (const el of document.querySelectorAll<HTMLElement>('#approval-list [data-until]')) el.textContent = until(el.dataset.until ?? '');
};
