/**
 * The Halt dashboard: sign in with a key (kept for this tab), see every agent live, kill /
 * pause / resume with a reason, bulk kill by tag, approve or deny held calls, kill an action
 * across the fleet, an agent's instances, cost and checkpoints, and the audit trail with its
 * chain check. A viewer key sees no buttons it cannot use.
 */
import './style.css';
import type { Agent, AgentDetail, Approval } from '../../../sdk/protocol/types';
import { ApiError, api, roleOf, session, type Role } from './api';
import {
  applyApproval,
  approvalById,
  approvalsSection,
  describeApproval,
  loadApprovals,
  onApprovalsExpire,
  paintApprovals,
  pendingCount,
  tickApprovalTimes,
} from './approvals';
import { announce, askReason, toast } from './dialog';
import { $, html, raw, when, type Raw } from './dom';
import {
  applyActionKill,
  forgetKilledAction,
  killedActionsSection,
  loadKilledActions,
  matchesEveryAction,
  paintKilledActions,
  setKilledAction,
} from './killed-actions';
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

const sortedAgents = () => [...state.agents.values()].sort((a, b) => a.agentId.localeCompare(b.agentId));

const agentName = (agentId: string): string => state.agents.get(agentId)?.name ?? agentId;

const headlineView = () => {
  const agents = sortedAgents();
  const count = (f: (a: Agent) => boolean) => agents.filter(f).length;
  const intents = agents.reduce((n, a) => n + a.intentsToday, 0);
  const cost = agents.reduce((n, a) => n + a.costTodayUsd, 0);
  const wouldRefuse = agents.reduce((n, a) => n + (a.wouldRefuseToday ?? 0), 0);
  return html`<ul class="headline">
        <li><strong data-count="active">${count((a) => a.status === 'active')}</strong> active</li>
        <li><strong data-count="paused">${count((a) => a.status === 'paused')}</strong> paused</li>
        <li><strong data-count="killed">${count((a) => a.status === 'killed')}</strong> killed</li>
        <li><strong data-count="unhealthy">${count((a) => a.health === 'degraded' || a.health === 'unreachable')}</strong> unhealthy</li>
        <li><strong>${intents}</strong> intents today</li>
        <li><strong>$${cost.toFixed(2)}</strong> cost today</li>
        <li><strong data-count="approvals">${pendingCount()}</strong> awaiting approval</li>
        ${wouldRefuse > 0 ? html`<li><strong data-count="would-refuse">${wouldRefuse}</strong> would be refused (shadow)</li>` : ''}
      </ul>`;
};

const agentsTableView = () => {
  const agents = sortedAgents();
  return agents.length === 0
    ? html`<p>No agents yet.</p>`
    : html`<table class="agents">
            <thead><tr><th scope="col">Agent</th><th scope="col">Status</th><th scope="col">Health</th><th scope="col">Instances</th>
              <th scope="col">Last heartbeat</th><th scope="col">Intents today</th><th scope="col">Cost today</th>
              <th scope="col">Would refuse (shadow)</th><th scope="col">Tags</th>
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
                  <td data-cell="would-refuse">${a.wouldRefuseToday ?? 0}${a.policy.mode === 'shadow' ? html` <span class="badge shadow">shadow</span>` : ''}</td>
                  <td>${a.tags.join(', ')}</td>
                  ${state.role === 'operator' ? html`<td class="actions">${actionButtons(a)}</td>` : ''}
                </tr>`,
              )}
            </tbody>
          </table>`;
};

const overviewView = () =>
  html`<section aria-labelledby="headline-title">
      <h2 id="headline-title" class="visually-hidden">Headline</h2>
      <div id="headline-region">${headlineView()}</div>
    </section>
    ${approvalsSection(state.role)}
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
    ${killedActionsSection(state.role)}
    <section aria-labelledby="agents-title">
      <h2 id="agents-title">Agents</h2>
      <div id="agents-region">${agentsTableView()}</div>
    </section>`;

/** Redraw the parts of the overview that follow the agents, leaving forms and lists alone. */
const repaintAgents = () => {
  const headline = document.querySelector<HTMLElement>('#headline-region');
  const table = document.querySelector<HTMLElement>('#agents-region');
  if (headline) headline.innerHTML = headlineView().html;
  if (table) table.innerHTML = agentsTableView().html;
};

const repaintApprovals = (error?: string) => paintApprovals(state.role, agentName, error);
const repaintKilledActions = (error?: string) => paintKilledActions(state.role, error);

/** The fleet-wide lists, each reporting its own failure in its own section. */
const refreshFleetLists = async () => {
  const [approvals, actions] = await Promise.allSettled([loadApprovals(), loadKilledActions()]);
  repaintApprovals(approvals.status === 'rejected' ? `Could not load approvals: ${(approvals.reason as Error).message}` : '');
  repaintKilledActions(actions.status === 'rejected' ? `Could not load killed actions: ${(actions.reason as Error).message}` : '');
  return approvals.status === 'fulfilled' ? approvals.value : [];
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
      <p data-policy-mode="${a.policy.mode ?? 'enforce'}">${a.policy.mode === 'shadow'
        ? html`Policy mode: <span class="badge shadow">shadow</span> — what the budget, action lists and approval rules would refuse is
            let through and counted: <strong data-cell="would-refuse">${a.wouldRefuseToday ?? 0}</strong> today. Kills, pauses and killed actions still refuse.`
        : html`Policy mode: <strong>enforce</strong> — the policy refuses what it forbids.`}
        ${a.policy.approval
          ? html`Needs approval: ${a.policy.approval.actions.map((g, i) => html`${i > 0 ? ', ' : ''}<code>${g}</code>`)} (unanswered requests expire after ${a.policy.approval.timeoutSeconds ?? 900} s).`
          : ''}</p>
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
        ${['', 'agent_created', 'killed', 'paused', 'resumed', 'policy_changed', 'agent_deleted', 'approval_requested', 'approval_granted', 'approval_denied', 'approval_expired', 'approval_cancelled', 'action_killed', 'action_resumed'].map(
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
        (e) => html`<tr><td>${new Date(e.at).toLocaleString()}</td><td>${e.agentId ?? 'fleet'}</td><td>${e.type}${e.action ? html` <code>${e.action}</code>` : ''}</td><td>${e.actor}</td>
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
    <span class="nav-count"><span data-count="approvals">${pendingCount()}</span> awaiting approval</span>
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
      repaintApprovals();
      repaintKilledActions();
      await refreshFleetLists();
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

const onOverview = () => !state.detail && !location.hash.startsWith('#/audit') && !location.hash.startsWith('#/agents/');

const onAgentChange = (agent: Agent) => {
  state.agents.set(agent.agentId, agent);
  if (state.detail && state.detail.agentId === agent.agentId) void route();
  else if (onOverview()) repaintAgents();
};

const announceRequests = (requested: Approval[]) => {
  if (requested.length === 1 && requested[0]) announce(`Approval requested: ${describeApproval(requested[0])}.`);
  else if (requested.length > 1) announce(`${requested.length} new approval requests.`);
};

const onApprovalChange = (approval: Approval) => {
  const change = applyApproval(approval);
  if (change === 'requested') announceRequests([approval]);
  else if (change === 'decided') announce(`${describeApproval(approval)}: ${approval.status}${approval.decidedBy ? ` by ${approval.decidedBy}` : ''}.`);
  repaintApprovals();
};

const onActionKillChange = (change: { type: 'action_killed' | 'action_resumed'; action: string; reason: string }) => {
  applyActionKill(change);
  repaintKilledActions();
  announce(change.type === 'action_killed' ? `Action ${change.action} killed fleet-wide: ${change.reason}` : `Action ${change.action} lifted: ${change.reason}`);
  // the push names no actor or time; the list has them
  void loadKilledActions().then(() => repaintKilledActions(''), () => undefined);
};

const startLiveUpdates = async () => {
  stopLive?.();
  stopLive = await startLive({
    onAgent: onAgentChange,
    onApproval: onApprovalChange,
    onActionKill: onActionKillChange,
    poll: async () => {
      announceRequests(await refreshFleetLists());
      if (onOverview()) {
        await refreshAgents();
        if (document.querySelector('#agents-region')) repaintAgents();
        else {
          render(overviewView());
          repaintApprovals();
          repaintKilledActions();
        }
      }
    },
    pollAnyway: () => [...state.agents.values()].some((a) => a.status !== 'active' && a.instances.acknowledged < a.instances.total),
    onState: (s) => {
      $<HTMLElement>('#live').textContent = s === 'live' ? '● live' : '○ polling every 5 s';
    },
  });
};

/** Approve (reason optional) or deny (reason required) one held call, after the dialog. */
const decideApproval = async (approvalId: string, decision: 'approve' | 'deny') => {
  const approval = approvalById(approvalId);
  if (!approval || approval.status !== 'pending') return;
  const what = describeApproval(approval);
  const reason = await askReason(
    decision === 'approve'
      ? {
          title: `Approve ${approval.action} for ${approval.agentId}?`,
          text: `${what}. Approving lets it make this exact call once: the same action, recipient, cost and payload; nothing else.`,
          ok: `Approve ${approval.action}`,
          reasonRequired: false,
          tone: 'primary',
        }
      : {
          title: `Deny ${approval.action} for ${approval.agentId}?`,
          text: `${what}. Denying refuses this call; the agent is told approval_denied.`,
          ok: `Deny ${approval.action}`,
        },
  );
  if (reason === null) return;
  try {
    const decided = decision === 'approve' ? await api.approve(approvalId, reason) : await api.deny(approvalId, reason);
    applyApproval(decided);
    repaintApprovals();
    toast(`${what}: ${decided.status}.`);
  } catch (error) {
    toast(error instanceof ApiError && error.status === 409 ? `Already decided: ${error.message}` : (error as Error).message);
    await refreshFleetLists();
  }
  document.querySelector<HTMLElement>('#approvals-title')?.focus();
};

/** Kill an action glob for every agent; a bare `*` needs the checkbox ticked. */
const killActionFromForm = async (form: HTMLFormElement) => {
  const input = $<HTMLInputElement>('#action-kill-glob', form);
  const everything = $<HTMLInputElement>('#action-kill-all', form);
  const problem = $<HTMLElement>('#action-kill-error', form);
  const glob = input.value.trim();
  const refuse = (message: string, field: HTMLInputElement) => {
    problem.textContent = message;
    field.setAttribute('aria-invalid', 'true');
    field.focus();
  };
  problem.textContent = '';
  input.removeAttribute('aria-invalid');
  everything.removeAttribute('aria-invalid');
  if (!glob) return refuse('Name the action or glob to kill, such as email.send_*.', input);
  if (!/^[A-Za-z0-9*][A-Za-z0-9*_.:/-]{0,127}$/.test(glob))
    return refuse('An action or glob is letters, digits, "*" and "_.:/-", up to 128 characters, such as email.send_*.', input);
  const all = matchesEveryAction(glob);
  if (all && !everything.checked) return refuse(`"${glob}" refuses every action of every agent. Tick the box to confirm that is what you mean (or kill the agents instead).`, everything);
  const reason = await askReason({
    title: all ? 'Kill every action of every agent?' : `Kill ${glob} across the fleet?`,
    text: all
      ? 'Every intent of every agent is refused in every region until you lift it.'
      : `Every agent's intent whose action matches ${glob} is refused in every region, whatever its own policy, until lifted.`,
    ok: `Kill ${glob}`,
  });
  if (reason === null) return;
  try {
    const result = await api.killAction(glob, reason, all);
    setKilledAction(result);
    repaintKilledActions('');
    form.reset();
    const where = result.enforcedIn
      ? `; enforced in ${result.enforcedIn.join(', ') || 'no region yet'}${result.pendingIn && result.pendingIn.length > 0 ? `; not yet confirmed in ${result.pendingIn.join(', ')}` : ''}`
      : '';
    toast(`Action ${result.action} killed fleet-wide${where}.`);
  } catch (error) {
    problem.textContent = (error as Error).message;
  }
};

/** Lift a fleet-wide action kill, with a reason. */
const liftAction = async (glob: string) => {
  const reason = await askReason({
    title: `Lift the kill of ${glob}?`,
    text: `Agents may again take actions matching ${glob}, as far as their own policies allow.`,
    ok: `Lift the kill of ${glob}`,
    tone: 'primary',
  });
  if (reason === null) return;
  try {
    await api.resumeAction(glob, reason);
    forgetKilledAction(glob);
    toast(`Action ${glob} lifted.`);
  } catch (error) {
    toast((error as Error).message);
    if (error instanceof ApiError && error.status === 404) forgetKilledAction(glob);
  }
  repaintKilledActions();
  document.querySelector<HTMLElement>('#killed-actions-title')?.focus();
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
    void askReason({ title: `Kill every agent tagged ${tag}?`, text: 'Every instance of every tagged agent is told to stop at once.', ok: 'Kill tagged agents' }).then(async (reason) => {
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
  } else if (form.id === 'action-kill') {
    event.preventDefault();
    void killActionFromForm(form);
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
  const decision = target.closest<HTMLElement>('[data-approval-decision]');
  if (decision?.dataset.approvalId) {
    void decideApproval(decision.dataset.approvalId, decision.dataset.approvalDecision === 'approve' ? 'approve' : 'deny');
    return;
  }
  const lift = target.closest<HTMLElement>('[data-lift-action]');
  if (lift?.dataset.liftAction) {
    void liftAction(lift.dataset.liftAction);
    return;
  }
  const action = target.dataset.action as 'kill' | 'pause' | 'resume' | undefined;
  const agentId = target.dataset.agent;
  if (!action || !agentId) return;
  const words = { kill: ['Kill', 'Every instance stops now and the gateway refuses its actions.'], pause: ['Pause', 'Instances finish the unit in hand, save a checkpoint and wait.'], resume: ['Resume', 'Instances continue from their checkpoints.'] }[action];
  void askReason({ title: `${words[0]} ${agentId}?`, text: words[1] as string, ok: `${words[0]} ${agentId}` }).then(async (reason) => {
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
window.setInterval(tickApprovalTimes, 15_000);
onApprovalsExpire(() => repaintApprovals());

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
