/**
 * `halt doctor`: what only a running stack can show, checked end to end with an operator key.
 * It makes a throwaway agent (`halt-doctor-…`), connects an instance to every region, checks
 * the WebSocket protocol ping and the keep-alive route, trips the agent's budget, kills it and
 * times, per region, the push reaching the instance and the gateway refusing the agent's
 * intents, checks that the change and budget events reached the bus, then deletes the agent.
 */
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { HaltAgent } from '../agent';
import { HaltApiError } from '../errors';
import { HttpClient } from '../http-client';
import { HaltClient } from '../operator-client';
import { KEEPALIVE_ACTION } from '../protocol/messages';

export interface DoctorRegion {
  /** The region's REST API (`…/v1` or its base). */
  readonly url: string;
  /** The region's WebSocket API (`wss://…/live`). */
  readonly wsUrl: string;
}

export interface DoctorCheck {
  readonly check: string;
  readonly region?: string;
  readonly ok: boolean;
  /** The figure the check measured, in ms, where it measures one. */
  readonly ms?: number;
  readonly detail: string;
}

export interface DoctorReport {
  readonly ok: boolean;
  readonly agentId: string;
  readonly checks: DoctorCheck[];
}

const DOCTOR_PREFIX = 'halt-doctor-';

const since = (start: number) => Math.round(performance.now() - start);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolve with the first value `attempt` yields (not undefined), polling; undefined after `ceilingMs`. */
const poll = async <T>(attempt: () => Promise<T | undefined>, ceilingMs: number, intervalMs = 50): Promise<T | undefined> => {
  const deadline = Date.now() + ceilingMs;
  for (;;) {
    const value = await attempt().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) return undefined;
    await sleep(intervalMs);
  }
};

const errorText = (error: unknown) => (error instanceof HaltApiError ? `${error.status} ${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error));

/** Open a raw socket as the agent, then check protocol ping/pong and the keep-alive route. */
const checkSocket = async (region: DoctorRegion, agentId: string, key: string, label: string): Promise<DoctorCheck[]> => {
  const url = new URL(region.wsUrl);
  url.searchParams.set('agentId', agentId);
  url.searchParams.set('instanceId', `doctor-${label}`);
  const started = performance.now();
  const socket = new WebSocket(url, { headers: { authorization: `Bearer ${key}` } });
  const messages: string[] = [];
  socket.on('message', (data: Buffer) => messages.push(data.toString('utf8')));
  const opened = await new Promise<string | undefined>((resolve) => {
    socket.once('open', () => resolve(undefined));
    socket.once('unexpected-response', (_req, res) => resolve(`handshake answered ${res.statusCode ?? '?'}`));
    socket.once('error', (error) => resolve(error.message));
    setTimeout(() => resolve('no handshake within 10 s'), 10_000).unref();
  });
  if (opened) {
    socket.terminate();
    return [{ check: 'websocket connect', region: label, ok: false, detail: opened }];
  }
  const checks: DoctorCheck[] = [{ check: 'websocket connect', region: label, ok: true, ms: since(started), detail: 'connected with the agent key ($connect authorizer and route)' }];
  const pingAt = performance.now();
  const pong = await new Promise<boolean>((resolve) => {
    socket.once('pong', () => resolve(true));
    socket.ping();
    setTimeout(() => resolve(false), 5_000).unref();
  });
  checks.push({ check: 'protocol ping/pong', region: label, ok: pong, ...(pong ? { ms: since(pingAt) } : {}), detail: pong ? 'the gateway answers WebSocket pings' : 'no pong within 5 s' });
  socket.send(JSON.stringify({ action: KEEPALIVE_ACTION }));
  await sleep(1_500);
  // A route that cannot answer shows as an error message ("Internal server error", "Forbidden") or a closed socket.
  const complaint = messages.find((m) => /error|forbidden/i.test(m));
  const open = socket.readyState === WebSocket.OPEN;
  checks.push({
    check: 'keep-alive route',
    region: label,
    ok: open && !complaint,
    detail: !open ? 'the connection closed after the keep-alive' : complaint ? `the gateway answered the keep-alive with ${complaint.slice(0, 200)}` : `{"action":"${KEEPALIVE_ACTION}"} accepted, connection open`,
  });
  socket.close();
  return checks;
};

export const runDoctor = async (options: {
  regions: readonly DoctorRegion[];
  /** An operator key. */
  key: string;
  /** Hears each check as it completes. */
  onCheck?: (check: DoctorCheck) => void;
  /** How long each wait may take. @default 15000 */
  ceilingMs?: number;
}): Promise<DoctorReport> => {
  const ceiling = options.ceilingMs ?? 15_000;
  const agentId = `${DOCTOR_PREFIX}${randomBytes(4).toString('hex')}`;
  const checks: DoctorCheck[] = [];
  const record = (check: DoctorCheck) => {
    checks.push(check);
    options.onCheck?.(check);
  };
  const [home] = options.regions;
  if (!home) throw new Error('give at least one region');
  const operators = options.regions.map((r) => new HaltClient({ url: r.url, key: options.key }));
  const names: string[] = [];
  const agents: HaltAgent[] = [];
  let created = false;
  try {
    // Health and the region's name, everywhere.
    for (const [i, region] of options.regions.entries()) {
      const started = performance.now();
      const health = await fetch(`${region.url.replace(/\/+$/, '').replace(/\/v1$/, '')}/v1/health`).then(async (r) => ({ status: r.status, body: (await r.json().catch(() => ({}))) as { ok?: boolean; region?: string } }));
      const name = health.body.region ?? `region ${i + 1}`;
      names.push(name);
      record({ check: 'health', region: name, ok: health.status === 200 && health.body.ok === true, ms: since(started), detail: `${health.status} ${JSON.stringify(health.body)}` });
    }
    const operator = operators[0] as HaltClient;

    // A throwaway agent whose budget allows one intent a day.
    const createdAt = performance.now();
    const { agentKey } = await operator.createAgent({ agentId, name: 'halt doctor (deleted when done)', tags: ['halt-doctor'], policy: { budget: { maxIntentsPerDay: 1, onBreach: 'reject' } } });
    created = true;
    record({ check: 'create agent', region: names[0] as string, ok: true, ms: since(createdAt), detail: agentId });
    for (const i of operators.keys()) {
      if (i === 0) continue;
      // The key is what the other region's authorizer needs: wait until the agent reads there with its own key.
      const asAgent = new HaltClient({ url: (options.regions[i] as DoctorRegion).url, key: agentKey });
      const seen = await poll(() => asAgent.getAgent({ agentId }), ceiling);
      record({ check: 'replicated', region: names[i] as string, ok: seen !== undefined, ms: since(createdAt), detail: seen ? 'agent and key readable there' : `not there after ${ceiling} ms` });
    }

    for (const [i, region] of options.regions.entries()) {
      for (const check of await checkSocket(region, agentId, agentKey, names[i] as string)) record(check);
    }

    // One instance per region, as the SDK connects.
    const killSeen: Promise<number | undefined>[] = [];
    let killAt = 0;
    for (const [i, region] of options.regions.entries()) {
      const agent = new HaltAgent({ url: region.url, wsUrl: region.wsUrl, key: agentKey, agentId, instanceId: `doctor-${names[i] ?? i}`, heartbeatIntervalMs: 60_000 });
      agent.on('error', () => undefined);
      agents.push(agent);
      const connected = new Promise<void>((resolve) => agent.once('connected', () => resolve()));
      await agent.start();
      await Promise.race([connected, sleep(ceiling)]);
      killSeen.push(
        new Promise((resolve) => {
          agent.once('kill', () => resolve(performance.now() - killAt));
          setTimeout(() => resolve(undefined), ceiling * 2).unref();
        }),
      );
    }
    const allConnected = await poll(async () => {
      const detail = await operator.getAgent({ agentId });
      return detail.instanceList.filter((x) => x.connected).length >= options.regions.length ? true : undefined;
    }, ceiling);
    record({ check: 'instances connected', ok: allConnected === true, detail: `${options.regions.length} instance(s), one per region${allConnected ? '' : ': not all seen connected'}` });

    // The budget: one intent admitted, the next refused, and BudgetBreached published.
    const agentHttp = options.regions.map((r) => new HttpClient({ url: r.url, key: agentKey }));
    const intent = (i: number) => (agentHttp[i] as HttpClient).request('POST', `/agents/${agentId}/intents`, { body: { instanceId: `doctor-${names[i] ?? i}`, action: 'doctor.check' } });
    const first = await intent(0).then(() => 'admitted', errorText);
    const second = await intent(0).then(() => 'admitted', errorText);
    record({ check: 'budget', region: names[0] as string, ok: first === 'admitted' && second.includes('budget_exceeded'), detail: `first intent ${first}; second ${second}` });

    // The kill: pushed to every region's instance, refused by every region's gateway.
    killAt = performance.now();
    const killed = await operator.kill({ agentId, reason: 'halt doctor' });
    const killCall = since(killAt);
    record({ check: 'kill call', region: names[0] as string, ok: killed.status === 'killed', ms: killCall, detail: `version ${killed.version}, told ${killed.pushed} connected instance(s) at once` });
    const refusedIn = options.regions.map(async (_r, i) => {
      const refusedAt = await poll(async () => {
        const outcome = await intent(i).then(() => 'admitted', errorText);
        return outcome.includes('agent_killed') ? performance.now() - killAt : undefined;
      }, ceiling * 2, 25);
      return refusedAt;
    });
    const [pushes, refusals] = await Promise.all([Promise.all(killSeen), Promise.all(refusedIn)]);
    for (const [i, name] of names.entries()) {
      const push = pushes[i];
      const refused = refusals[i];
      record({ check: 'kill → push', region: name, ok: push !== undefined, ...(push !== undefined ? { ms: Math.round(push) } : {}), detail: push !== undefined ? 'the instance was told (through the management API)' : 'the instance was not told in time' });
      record({ check: 'kill → refused', region: name, ok: refused !== undefined, ...(refused !== undefined ? { ms: Math.round(refused) } : {}), detail: refused !== undefined ? "the gateway refuses the agent's intents (agent_killed)" : `still admitting after ${ceiling * 2} ms` });
    }
    const acked = await operator.waitForAcknowledgements({ agentId, version: killed.version, timeoutMs: ceiling });
    record({ check: 'acknowledged', ok: acked.complete, detail: `${acked.acknowledged} of ${acked.total} instances stopped` });

    // The bus: the kill and the breach, as the bus probe recorded them.
    const wanted = ['AgentKilled', 'BudgetBreached'];
    const busAt = performance.now();
    const events = await poll(async () => {
      const page = await new HttpClient({ url: home.url, key: options.key }).request<{ events: { detailType: string }[] }>('GET', `/doctor/${agentId}/events`);
      const types = new Set(page.events.map((e) => e.detailType));
      return wanted.every((w) => types.has(w)) ? [...types] : undefined;
    }, ceiling, 250);
    record({
      check: 'events on the bus',
      ok: events !== undefined,
      ms: since(busAt),
      detail: events ? `${wanted.join(' and ')} reached the bus` : `${wanted.join(' and ')} not seen by the bus probe within ${ceiling} ms`,
    });
  } catch (error) {
    record({ check: 'run', ok: false, detail: errorText(error) });
  } finally {
    await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
    if (created) {
      const deleted = await (operators[0] as HaltClient).deleteAgent({ agentId }).then(() => undefined, errorText);
      record({ check: 'clean up', ok: deleted === undefined, detail: deleted ?? `deleted ${agentId} (its bus records expire in a day)` });
    }
  }
  return { ok: checks.every((c) => c.ok), agentId, checks };
};
