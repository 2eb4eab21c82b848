/**
 * The Halt dashboard: sign in with a key (kept for this tab), see every agent live, kill /
 * pause / resume with a reason, bulk kill by tag, an agent's instances, cost and checkpoints,
 * and the audit trail with its chain check. A viewer key sees no buttons it cannot use.
 */
import './style.css';
import type { Agent, AgentDetail } from '../../../sdk/protocol/types';
import { ApiError, api, roleOf, session, type Role } from './api';
import { $, html, raw, when, type Raw } from './dom';
import { startLive } from './live';

interface State {
  role: Role | null;
  agents: Map<string, Agent>;
  detail: AgentDetail | null;
}

const state: State = { role: null, agents: new Map(), detail: null };
const main = $<HTMLElement>('#main');
let stopLive: (() => void) | undefined;

const render = (view: Raw) => {
  main.innerHTML = view.html;
};

const toast = (text: string) => {
  const el = $<HTMLElement>('#toast');
  el.textContent = text;
  el.classList.add('show');
  window.setTimeout(() => el.classList.remove('show'), 6_000);
};

const stoppedText = (a: Agent): string =>
  a.status === 'active'
    ? `${a.instances.total} running`
    : `${a.instances.acknowledged} of ${a.instances.total} ${a.status === 'paused' ? 'paused' : 'stopped'}`;

const badge = (status: string) => html`<span class="badge ${status}">${status}</span>`;

const actionButtons = (a: Agent): Raw => {
  if (state.role !== 'operator') return raw('');
  const buttons: Raw[] = [];
  if (a.status !== 'killed') buttons.push(html`<button class="danger" data-action="kill" data-agent="${a.agentId}">Kill</button>`);
  if (a.status === 'active') buttons.push(html`<button data-action="pause" data-agent="${a.agentId}">Pause</button>`);
  if (a.status !== 'active') buttons.push(html`<button data-action="resume" data-agent="${a.agentId}">Resume</button>`);
  return html`${buttons}`;
};

// ---- views --------------------------------------------------------------------------------

const signInView = (error?: string) =>
  html`<section class="signin">
    <h2>Sign in</h2>
    <form id="signin">
      <label for="key">API key</label>
      <input id="key" name="key" type="password" autocomplete="off" required placeholder="halt_…" />
      <p class="hint">Kept in this tab only; closing the tab forgets it.</p>
      ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
      <button type="submit">Sign in</button>
    </form>
  </section>`;

const overviewView = () => {
  const agents = [...state.agents.values()].sort((a, b) => a.agentId.localeCompare(b.agentId));
  const count = (f: (a: Agent) => boolean) => agents.filter(f).length;
  const intents = agents.reduce((n, a) => n + a.intentsToday, 0);
  const cost = agents.reduce((n, a) => n + a.costTodayUsd, 0);
  return html`<section aria-labelledby="headline-title">
      <h2 id="headline-title" class="visually-hidden">Headline</h2>
      <ul class="headline">
        <li><strong data-count="active">${count((a) => a.status === 'active')}</strong> active</li>
        <li><strong data-count="paused">${count((a) => a.status === 'paused')}</strong> paused</li>
        <li><strong data-count="killed">${count((a) => a.status === 'killed')}</strong> killed</li>
        <li><strong data-count="unhealthy">${count((a) => a.health === 'degraded' || a.health === 'unreachable')}</strong> unhealthy</li>
        <li><strong>${intents}</strong> intents today</li>
        <li><strong>$${cost.toFixed(2)}</strong> cost today</li>
      </ul>
    </section>
    ${state.role === 'operator'
      ? html`<section aria-labelledby="bulk-title" class="bulk">
          <h2 id="bulk-title">Kill by tag</h2>
          <form id="bulk">
            <label for="bulk-tag">Tag (every agent carrying it)</label>
            <input id="bulk-tag" name="tag" required placeholder="team=growth" />
            <button type="submit" class="danger">Kill tagged agents…</button>
          </form>
        </section>`
      : ''}
    <section aria-labelledby="agents-title">
      <h2 id="agents-title">Agents</h2>
      ${agents.length === 0
        ? html`<p>No agents yet.</p>`
        : html`<table class="agents">
            <thead><tr><th scope="col">Agent</th><th scope="col">Status</th><th scope="col">Health</th><th scope="col">Instances</th>
              <th scope="col">Last heartbeat</th><th scope="col">Intents today</th><th scope="col">Cost today</th><th scope="col">Tags</th>
              ${state.role === 'operator' ? html`<th scope="col">Actions</th>` : ''}</tr></thead>
            <tbody>
              ${agents.map(
                (a) => html`<tr data-agent-row="${a.agentId}">
                  <th scope="row"><a href="#/agents/${encodeURIComponent(a.agentId)}">${a.name}</a></th>
                  <td>${badge(a.status)}</td>
                  <td>${a.health}</td>
                  <td data-cell="instances">${stoppedText(a)}${a.instances.ignoring > 0 ? html` <span class="warn">${a.instances.ignoring} ignoring</span>` : ''}</td>
                  <td>${when(a.lastHeartbeatAt)}</td>
                  <td>${a.intentsToday}</td>
                  <td>$${a.costTodayUsd.toFixed(2)}</td>
                  <td>${a.tags.join(', ')}</td>
                  ${state.role === 'operator' ? html`<td class="actions">${actionButtons(a)}</td>` : ''}
                </tr>`,
              )}
            </tbody>
          </table>`}
    </section>`;
};

const chart = (days: { day: string; costUsd: number; intents: number }[]): Raw => {
  const max = Math.max(0.000001, ...days.map((d) => d.costUsd));
  const width = 24;
  return html`<figure>
    <svg role="img" aria-label="Cost per day, last ${days.length} days" width="${days.length * width}" height="120" class="chart">
      ${days.map((d, i) => {
        const h = Math.round((d.costUsd / max) * 100);
        return html`<rect x="${i * width + 2}" y="${110 - h}" width="${width - 4}" height="${h}"><title>${d.day}: $${d.costUsd.toFixed(2)}, ${d.intents} intents</title></rect>`;
      })}
    </svg>
    <figcaption>Cost per day (UTC), ${days[0]?.day ?? ''} to ${days[days.length - 1]?.day ?? ''}</figcaption>
  </figure>`;
};

const agentView = (a: AgentDetail, usage: { day: string; costUsd: number; intents: number }[], checkpoints: { name: string; savedAt: string }[]) =>
  html`<p><a href="#/">← All agents</a></p>
    <section aria-labelledby="agent-title" data-agent-detail="${a.agentId}">
      <h2 id="agent-title">${a.name} ${badge(a.status)}</h2>
      <p>Version ${a.version}; last change ${when(a.statusChangedAt)} by ${a.statusChangedBy}${a.statusReason ? html`: “${a.statusReason}”` : ''}.
        Health ${a.health}. <span data-cell="instances">${stoppedText(a)}</span>. Fail mode: ${a.policy.failMode ?? 'closed'}.</p>
      <p class="actions">${actionButtons(a)}</p>
      <h3>Instances</h3>
      ${a.instanceList.length === 0
        ? html`<p>No instance has checked in.</p>`
        : html`<table><thead><tr><th scope="col">Instance</th><th scope="col">Region</th><th scope="col">Health</th><th scope="col">Connected</th>
            <th scope="col">Acknowledged</th><th scope="col">Last heartbeat</th></tr></thead><tbody>
            ${a.instanceList.map(
              (i) => html`<tr class="${i.ignoringStop ? 'ignoring' : ''}"><th scope="row">${i.instanceId}</th><td>${i.region}</td><td>${i.health}</td>
                <td>${i.connected ? 'yes' : 'no'}</td><td>${i.acknowledgedVersion ?? '–'}${i.ignoringStop ? html` <strong class="warn">ignoring the stop</strong>` : ''}</td>
                <td>${when(i.lastHeartbeatAt)}</td></tr>`,
            )}</tbody></table>`}
      <h3>Cost</h3>
      ${chart(usage)}
      <h3>Checkpoints</h3>
      ${checkpoints.length === 0 ? html`<p>None saved.</p>` : html`<ul>${checkpoints.map((c) => html`<li>${c.name} — saved ${when(c.savedAt)}</li>`)}</ul>`}
      <h3>Policy</h3>
      <pre>${JSON.stringify(a.policy, null, 2)}</pre>
    </section>`;

const auditView = async (agentId: string, type: string) => {
  const { events } = await api.audit(agentId || undefined);
  const shown = type ? events.filter((e) => e.type === type) : events;
  return html`<section aria-labelledby="audit-title">
    <h2 id="audit-title">Audit trail</h2>
    <form id="audit-filter" class="filters">
      <label for="audit-agent">Agent</label><input id="audit-agent" name="agent" value="${agentId}" placeholder="all agents" />
      <label for="audit-type">Event</label>
      <select id="audit-type" name="type">
        ${['', 'agent_created', 'killed', 'paused', 'resumed', 'policy_changed', 'agent_deleted'].map(
          (t) => html`<option value="${t}" ${raw(t === type ? 'selected' : '')}>${t || 'all events'}</option>`,
        )}
      </select>
      <button type="submit">Filter</button>
      <button type="button" id="verify">Verify the chain</button>
    </form>
    <p id="verify-result" role="status"></p>
    <table class="audit"><thead><tr><th scope="col">When</th><th scope="col">Agent</th><th scope="col">Event</th><th scope="col">By</th>
      <th scope="col">Reason</th><th scope="col">Version</th><th scope="col">Region</th></tr></thead>
      <tbody>${shown.map(
        (e) => html`<tr><td>${new Date(e.at).toLocaleString()}</td><td>${e.agentId}</td><td>${e.type}</td><td>${e.actor}</td>
          <td>${e.reason ?? ''}</td><td>${e.version}</td><td>${e.region}</td></tr>`,
      )}</tbody></table>
  </section>`;
};

// ---- routing and actions ------------------------------------------------------------------

const refreshAgents = async () => {
  const agents = await api.agents();
  state.agents = new Map(agents.map((a) => [a.agentId, a]));
};

const route = async () => {
  if (!session.key() || !state.role) {
    render(signInView());
    return;
  }
  const hash = location.hash || '#/';
  $<HTMLElement>('#nav').innerHTML = html`<a href="#/">Agents</a> <a href="#/audit">Audit</a>
    <span class="who">${state.role}</span> <button id="signout" type="button">Sign out</button>`.html;
  try {
    if (hash.startsWith('#/agents/')) {
      const id = decodeURIComponent(hash.slice('#/agents/'.length));
      const [detail, usage, checkpoints] = await Promise.all([api.agent(id), api.usage(id), api.checkpoints(id)]);
      state.detail = detail;
      render(agentView(detail, usage.days, checkpoints.checkpoints));
    } else if (hash.startsWith('#/audit')) {
      const params = new URLSearchParams(hash.split('?')[1] ?? '');
      state.detail = null;
      render(await auditView(params.get('agent') ?? '', params.get('type') ?? ''));
    } else {
      state.detail = null;
      await refreshAgents();
      render(overviewView());
    }
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      session.signOut();
      state.role = null;
      render(signInView('That key no longer works. Sign in again.'));
      return;
    }
    render(html`<p class="error" role="alert">${(error as Error).message}</p>`);
  }
};

/** Ask for a reason and confirmation; resolves to the reason, or null when cancelled. */
const askReason = (title: string, text: string, ok: string): Promise<string | null> =>
  new Promise((resolve) => {
    const dialog = $<HTMLDialogElement>('#confirm');
    const reason = $<HTMLTextAreaElement>('#confirm-reason');
    $<HTMLElement>('#confirm-title').textContent = title;
    $<HTMLElement>('#confirm-text').textContent = text;
    $<HTMLButtonElement>('#confirm-ok').textContent = ok;
    reason.value = '';
    const done = (value: string | null) => {
      dialog.removeEventListener('close', onClose);
      resolve(value);
    };
    const onClose = () => done(dialog.returnValue === 'ok' && reason.value.trim() ? reason.value.trim() : null);
    dialog.addEventListener('close', onClose);
    $<HTMLButtonElement>('#confirm-ok').value = 'ok';
    $<HTMLButtonElement>('#confirm-cancel').onclick = () => dialog.close('cancel');
    dialog.showModal();
    reason.focus();
  });

const onAgentChange = (agent: Agent) => {
  state.agents.set(agent.agentId, agent);
  if (state.detail && state.detail.agentId === agent.agentId) void route();
  else if (!state.detail && !location.hash.startsWith('#/audit')) render(overviewView());
};

const startLiveUpdates = async () => {
  stopLive?.();
  stopLive = await startLive({
    onAgent: onAgentChange,
    poll: async () => {
      if (!state.detail && !location.hash.startsWith('#/audit')) {
        await refreshAgents();
        render(overviewView());
      }
    },
    pollAnyway: () => [...state.agents.values()].some((a) => a.status !== 'active' && a.instances.acknowledged < a.instances.total),
    onState: (s) => {
      $<HTMLElement>('#live').textContent = s === 'live' ? '● live' : '○ polling every 5 s';
    },
  });
};

document.addEventListener('submit', (event) => {
  const form = event.target as HTMLFormElement;
  if (form.id === 'signin') {
    event.preventDefault();
    const key = new FormData(form).get('key')?.toString().trim() ?? '';
    roleOf(key)
      .then(async (role) => {
        session.signIn(key);
        state.role = role;
        await startLiveUpdates();
        await route();
        main.focus();
      })
      .catch((error: unknown) => render(signInView(error instanceof ApiError && error.status === 401 ? 'Unknown or revoked key.' : (error as Error).message)));
  } else if (form.id === 'bulk') {
    event.preventDefault();
    const tag = new FormData(form).get('tag')?.toString().trim() ?? '';
    void askReason(`Kill every agent tagged ${tag}?`, 'Every instance of every tagged agent is told to stop at once.', 'Kill tagged agents').then(async (reason) => {
      if (!reason) return;
      try {
        const result = await api.bulkKill([tag], reason);
        const pending = [...new Set(result.agents.flatMap((a) => a.pendingIn))];
        toast(`Killed ${result.agents.filter((a) => a.changed).length} of ${result.agents.length} tagged agents${pending.length > 0 ? `; not yet confirmed in ${pending.join(', ')}` : '; enforced in every region'}`);
        await route();
      } catch (error) {
        toast((error as Error).message);
      }
    });
  } else if (form.id === 'audit-filter') {
    event.preventDefault();
    const data = new FormData(form);
    location.hash = `#/audit?agent=${encodeURIComponent(String(data.get('agent') ?? ''))}&type=${encodeURIComponent(String(data.get('type') ?? ''))}`;
  }
});

document.addEventListener('click', (event) => {
  const target = event.target as HTMLElement;
  if (target.id === 'signout') {
    session.signOut();
    state.role = null;
    stopLive?.();
    $<HTMLElement>('#nav').innerHTML = '';
    $<HTMLElement>('#live').textContent = '';
    void route();
    return;
  }
  if (target.id === 'verify') {
    const agent = (document.querySelector<HTMLInputElement>('#audit-agent')?.value ?? '').trim();
    void api.verify(agent || undefined).then((r) => {
      $<HTMLElement>('#verify-result').textContent = r.ok
        ? `Chain intact: ${r.checked} events checked.`
        : `Chain BROKEN at ${r.firstBrokenEventId ?? '?'} (${r.checked} checked).`;
    });
    return;
  }
  const action = target.dataset.action as 'kill' | 'pause' | 'resume' | undefined;
  const agentId = target.dataset.agent;
  if (!action || !agentId) return;
  const words = { kill: ['Kill', 'Every instance stops now and the gateway refuses its actions.'], pause: ['Pause', 'Instances finish the unit in hand, save a checkpoint and wait.'], resume: ['Resume', 'Instances continue from their checkpoints.'] }[action];
  void askReason(`${words[0]} ${agentId}?`, words[1] as string, `${words[0]} ${agentId}`).then(async (reason) => {
    if (!reason) return;
    try {
      const result = await api.control(agentId, action, reason);
      const where = `enforced in ${result.enforcedIn.join(', ') || 'no region yet'}${result.pendingIn.length > 0 ? `; not yet confirmed in ${result.pendingIn.join(', ')}` : ''}`;
      toast(result.changed ? `${agentId}: ${result.status} (version ${result.version}); ${where}; ${result.pushed} instance(s) told at once` : `${agentId} was already ${result.status}; ${where}`);
      await route();
    } catch (error) {
      toast((error as Error).message);
    }
  });
});

window.addEventListener('hashchange', () => void route());

const boot = async () => {
  const key = session.key();
  if (key) {
    try {
      state.role = await roleOf(key);
      await startLiveUpdates();
    } catch {
      session.signOut();
    }
  }
  await route();
};
void boot();
