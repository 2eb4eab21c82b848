/**
 * Actions killed across the fleet: `GET /v1/actions`, kept current by the watch's
 * `{type:"action_killed"|"action_resumed"}` messages. An operator lifts one (with a reason)
 * or kills a glob for every agent; a bare `*` needs an explicit confirmation.
 */
import type { KilledAction } from '../../../sdk/protocol/types';
import { api, type Role } from './api';
import { html, syncChildren, type Raw } from './dom';

const killed = new Map<string, KilledAction>();
let loaded = false;
/** The last load's failure, shown in the section until a load succeeds. */
let lastError = '';

/** A glob of only `*` refuses every action of every agent. */
export const matchesEveryAction = (glob: string): boolean => /^\*+$/.test(glob);

export const loadKilledActions = async (): Promise<void> => {
  const fresh = await api.killedActions();
  killed.clear();
  for (const k of fresh) killed.set(k.action, k);
  loaded = true;
};

/** Take a push at once (it names no actor or time: those come with the next load). */
export const applyActionKill = (change: { type: 'action_killed' | 'action_resumed'; action: string; reason: string }): void => {
  if (change.type === 'action_resumed') killed.delete(change.action);
  else killed.set(change.action, { actor: '', at: new Date().toISOString(), ...killed.get(change.action), action: change.action, reason: change.reason });
};

export const setKilledAction = (k: KilledAction): void => {
  killed.set(k.action, { action: k.action, reason: k.reason, actor: k.actor, at: k.at });
};

export const forgetKilledAction = (action: string): void => {
  killed.delete(action);
};

/** The section's frame, with the operator's form; `paintKilledActions` fills the list. */
export const killedActionsSection = (role: Role | null): Raw =>
  html`<section aria-labelledby="killed-actions-title" class="killed-actions">
    <h2 id="killed-actions-title" tabindex="-1">Killed actions</h2>
    <p class="hint">Actions refused for every agent in every region, whatever its own policy, until lifted.</p>
    <p class="error" id="killed-actions-error" role="alert" hidden></p>
    <p id="killed-actions-empty">Loading…</p>
    <table id="killed-actions-table" hidden>
      <caption class="visually-hidden">Actions killed fleet-wide</caption>
      <thead><tr><th scope="col">Action</th><th scope="col">Reason</th><th scope="col">By</th><th scope="col">Since</th>
        ${role === 'operator' ? html`<th scope="col">Lift</th>` : ''}</tr></thead>
      <tbody id="killed-action-rows"></tbody>
    </table>
    ${role === 'operator'
      ? html`<form id="action-kill" class="action-kill" novalidate>
          <h3>Kill an action fleet-wide</h3>
          <div class="row">
            <div>
              <label for="action-kill-glob">Action or glob</label>
              <input id="action-kill-glob" name="action" required maxlength="128" autocomplete="off" spellcheck="false"
                placeholder="email.send_*" aria-describedby="action-kill-hint" />
            </div>
            <button type="submit" class="danger">Kill action…</button>
          </div>
          <p id="action-kill-hint" class="hint"><code>*</code> matches any run of characters, dots included; everything else is literal.</p>
          <p class="check">
            <input type="checkbox" id="action-kill-all" name="all" />
            <label for="action-kill-all">Yes, refuse every action of every agent (needed for a bare <code>*</code>)</label>
          </p>
          <p class="error" id="action-kill-error" role="alert"></p>
        </form>`
      : ''}
  </section>`;

const row = (k: KilledAction, role: Role | null): Raw =>
  html`<tr data-killed-action="${k.action}">
    <th scope="row"><code>${k.action}</code></th>
    <td>${k.reason}</td>
    <td>${k.actor || '…'}</td>
    <td><time datetime="${k.at}">${new Date(k.at).toLocaleString()}</time></td>
    ${role === 'operator' ? html`<td><button type="button" data-lift-action="${k.action}" aria-label="Lift ${k.action}">Lift</button></td>` : ''}
  </tr>`;

export const paintKilledActions = (role: Role | null, error?: string): void => {
  const rows = document.querySelector<HTMLElement>('#killed-action-rows');
  if (!rows) return;
  const shown = [...killed.values()].sort((a, b) => a.action.localeCompare(b.action));
  syncChildren(
    rows,
    shown.map((k) => ({ key: k.action, signature: `${role}|${JSON.stringify(k)}`, view: row(k, role) })),
  );
  const table = document.querySelector<HTMLElement>('#killed-actions-table');
  if (table) table.hidden = shown.length === 0;
  const empty = document.querySelector<HTMLElement>('#killed-actions-empty');
  if (error !== undefined) lastError = error;
  if (empty) {
    empty.hidden = shown.length > 0 || lastError !== '';
    empty.textContent = loaded ? 'No action is killed fleet-wide.' : 'Loading…';
  }
  const problem = document.querySelector<HTMLElement>('#killed-actions-error');
  if (problem) {
    problem.hidden = lastError === '';
    if (problem.textContent !== lastError) problem.textContent = lastError;
  }
};
