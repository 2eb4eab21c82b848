/**
 * Approvals and fleet-wide action kills from the client side, against the local runtime: the
 * `halt` CLI lists and decides approvals, `HaltAgent.intent({ waitForApproval })` waits for the
 * decision (woken by the pushed decision, not by its polling), the middleware's intent waits
 * too, and `halt actions` kills and lifts an action for every agent.
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { lambdaContext } from '../../infra/local/lambda-context';
import type { HaltAgent } from '../../sdk/agent';
import { AgentStoppedError, ApprovalTimeoutError, IntentRefusedError } from '../../sdk/errors';
import { haltMiddleware, type HaltLambdaContext } from '../../sdk/middleware';
import { HaltClient } from '../../sdk/operator-client';
import type { Approval } from '../../sdk/protocol/types';
import { runCli } from '../support/cli';
import { agentIn, useTestRuntime, waitFor } from '../support/local-runtime';

/** Longer than any test here waits: an intent that resolves was woken by a push, not a poll. */
const NO_POLLING_MS = 10 * 60_000;

/** `promise`, or a failure naming `what` once `ceilingMs` passes (a guard against a hang). */
const within = <T>(promise: Promise<T>, ceilingMs: number, what: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const ceiling = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ceilingMs / 1000} s`)), ceilingMs);
  });
  return Promise.race([promise, ceiling]).finally(() => clearTimeout(timer));
};

describe('approvals and fleet action kills, client side (local runtime)', () => {
  const started: HaltAgent[] = [];
  // Declared first so that it runs before the runtime is disposed.
  afterAll(async () => {
    await Promise.all(started.map((agent) => agent.close()));
  });
  const runtime = useTestRuntime();

  // The `to` of an intent names another agent: the mailing lists here are agents of their own.
  beforeAll(async () => {
    for (const list of ['list-7', 'list-42', 'list-43', 'list-44', 'list-45', 'list-46', 'list-47']) {
      expect((await runtime().api('POST', '/v1/agents', { body: { agentId: list } })).status).toBe(201);
    }
  });

  const operator = () => new HaltClient({ url: runtime().runtime.restUrl, key: runtime().operatorKey });
  const halt = (args: string[]) => runCli(args, { HALT_URL: runtime().runtime.restUrl, HALT_KEY: runtime().operatorKey });

  /** An agent whose `email.send_all` needs a person, with one instance connected over WebSocket. */
  const connectedAgent = async (agentId: string, policy: Record<string, unknown> = { approval: { actions: ['email.send_all'], timeoutSeconds: 600 } }) => {
    const created = await runtime().api('POST', '/v1/agents', { body: { agentId, policy } });
    expect(created.status).toBe(201);
    const { agent } = agentIn(runtime(), { key: created.body.agentKey, agentId, instanceId: 'i-1' });
    started.push(agent);
    await agent.start();
    await waitFor(async () => (await operator().getAgent({ agentId })).instanceList.some((i) => i.connected), { what: `${agentId}'s WebSocket` });
    return agent;
  };

  /** The pending approval of `agentId` for a call to `to`, once the gateway holds it. */
  const pendingApproval = (agentId: string, to: string): Promise<Approval> =>
    waitFor(async () => (await operator().listApprovals({ status: 'pending', agentId })).approvals.find((a) => a.to === to), { what: `a pending approval for ${to}` });

  describe('approvals', () => {
    it('refuses without waiting and exposes the approval on the error', async () => {
      const agent = await connectedAgent('plain-refusal');
      const refusal = await agent.intent('email.send_all', { to: 'list-7' }).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(IntentRefusedError);
      expect(refusal).toMatchObject({
        status: 403,
        code: 'approval_required',
        approval: { approvalId: expect.stringMatching(/^apr_[a-f0-9]{24}$/), status: 'pending', expiresAt: expect.any(String) },
      });
    });

    it('lists the pending call in halt approvals, and halt approve lets the waiting intent through, woken by the push', async () => {
      const agent = await connectedAgent('needs-approval');
      const waiting = agent.intent('email.send_all', {
        to: 'list-42',
        costUsd: 4.2,
        payload: { template: 'winter-sale' },
        waitForApproval: { timeoutMs: NO_POLLING_MS, pollIntervalMs: NO_POLLING_MS },
      });
      const settled = waiting.then(() => 'resolved', () => 'rejected');
      const approval = await pendingApproval('needs-approval', 'list-42');

      const table = await halt(['approvals']);
      expect(table.code).toBe(0);
      expect(table.out).toMatch(/^APPROVAL\s+AGENT\s+ACTION\s+TO\s+COST\s+STATUS\s+REQUESTED\s+EXPIRES/);
      expect(table.out).toMatch(new RegExp(`${approval.approvalId}\\s+needs-approval\\s+email\\.send_all\\s+list-42\\s+\\$4\\.20\\s+pending`));
      const json = await halt(['--json', 'approvals', '--status', 'pending', '--agent', 'needs-approval']);
      expect(JSON.parse(json.out)).toEqual([expect.objectContaining({ approvalId: approval.approvalId, action: 'email.send_all', payload: { template: 'winter-sale' } })]);
      const shown = await halt(['approvals', 'show', approval.approvalId]);
      expect(shown.out).toContain('needs-approval (instance i-1) asks for email.send_all to list-42, $4.20');
      expect(shown.out).toContain('payload: {"template":"winter-sale"}');
      // Nothing is taken while a person has not decided.
      expect(await Promise.race([settled, new Promise((r) => setTimeout(() => r('waiting'), 500))])).toBe('waiting');

      const approved = await halt(['approve', approval.approvalId, '--reason', 'list checked by legal']);
      expect(approved.code).toBe(0);
      expect(approved.out).toContain(`approved ${approval.approvalId} (email.send_all to list-42): the agent may send it once`);

      // The intent polls every 10 minutes here: only the pushed decision can wake it in time.
      await expect(within(waiting, 60_000, 'the approved intent')).resolves.toEqual(expect.objectContaining({ intentId: expect.any(String) }));
      expect((await operator().getApproval({ approvalId: approval.approvalId })).status).toBe('used');
      // Used once: the same approval admits nothing else.
      await expect(
        agent.intent('email.send_all', { to: 'list-42', costUsd: 4.2, payload: { template: 'winter-sale' }, approvalId: approval.approvalId }),
      ).rejects.toMatchObject({ code: 'approval_invalid' });
      expect((await halt(['approve', approval.approvalId])).code).toBe(1);
    });

    it('halt deny needs --reason, and with one makes the waiting intent fail with approval_denied', async () => {
      const agent = await connectedAgent('to-be-denied');
      const waiting = agent.intent('email.send_all', { to: 'list-43', waitForApproval: { timeoutMs: NO_POLLING_MS } });
      const outcome = waiting.catch((error: unknown) => error);
      const approval = await pendingApproval('to-be-denied', 'list-43');

      const noReason = await halt(['deny', approval.approvalId]);
      expect(noReason.code).not.toBe(0);
      expect(noReason.err).toContain('a denial needs --reason');
      expect((await operator().getApproval({ approvalId: approval.approvalId })).status).toBe('pending');

      const denied = await halt(['deny', approval.approvalId, '--reason', 'this list has not opted in']);
      expect(denied.code).toBe(0);
      expect(denied.out).toContain(`denied ${approval.approvalId} (email.send_all to list-43)`);

      const error = await within(outcome, 60_000, 'the denied intent');
      expect(error).toBeInstanceOf(IntentRefusedError);
      expect(error).toMatchObject({ status: 403, code: 'approval_denied', message: expect.stringContaining('this list has not opted in') });
      // Decided already: a second decision is the server's conflict, and the CLI says so.
      const again = await halt(['approve', approval.approvalId]);
      expect(again.code).toBe(1);
      expect(again.err).toContain('[409 conflict]');
    });

    it('gives up after timeoutMs with an error naming the approval', async () => {
      const agent = await connectedAgent('nobody-answers');
      const error = await agent.intent('email.send_all', { to: 'list-44', waitForApproval: { timeoutMs: 1_500, pollIntervalMs: 500 } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApprovalTimeoutError);
      const { approvalId } = error as ApprovalTimeoutError;
      expect(approvalId).toMatch(/^apr_/);
      expect((error as Error).message).toContain(approvalId);
      // It is still there for a person to decide.
      expect((await operator().getApproval({ approvalId })).status).toBe('pending');
    });

    it('stops waiting when the agent is killed (its signal aborts), and the kill cancels the approval', async () => {
      const agent = await connectedAgent('killed-while-waiting');
      const outcome = agent.intent('email.send_all', { to: 'list-45', waitForApproval: { timeoutMs: NO_POLLING_MS, pollIntervalMs: NO_POLLING_MS } }).catch((e: unknown) => e);
      const approval = await pendingApproval('killed-while-waiting', 'list-45');
      await operator().kill({ agentId: 'killed-while-waiting', reason: 'runaway mailer' });
      const error = await within(outcome, 60_000, 'the intent of a killed agent');
      // The kill's push aborts the wait; if the cancelled approval's push comes first, the
      // intent sent again is refused by the gateway for the kill. Either way: stopped, killed.
      if (error instanceof AgentStoppedError) expect(error).toMatchObject({ status: 'killed', reason: 'runaway mailer' });
      else expect(error).toMatchObject({ name: 'IntentRefusedError', code: 'agent_killed' });
      await waitFor(async () => (await operator().getApproval({ approvalId: approval.approvalId })).status === 'cancelled', { what: 'the approval cancelled by the kill' });
    });

    it("waits in a middy handler too (context.halt.intent, polling), bounded by the invocation's time", async () => {
      const created = await runtime().api('POST', '/v1/agents', { body: { agentId: 'lambda-approver', policy: { approval: { actions: ['email.send_all'] } } } });
      const handler = middy(async (event: { to: string; timeoutMs: number }, context: Context) => {
        const { halt: h } = context as Context & { halt: HaltLambdaContext };
        return h.intent('email.send_all', { to: event.to, waitForApproval: { timeoutMs: event.timeoutMs, pollIntervalMs: 200 } });
      }).use(haltMiddleware({ url: runtime().runtime.restUrl, key: created.body.agentKey, agentId: 'lambda-approver', direct: false }));

      const invocation = handler({ to: 'list-46', timeoutMs: 60_000 }, lambdaContext({ functionName: 'mailer', region: 'local-1', timeoutMs: 90_000 }));
      const approval = await pendingApproval('lambda-approver', 'list-46');
      expect((await halt(['approve', approval.approvalId])).code).toBe(0);
      await expect(within(invocation, 60_000, 'the approved invocation')).resolves.toEqual(expect.objectContaining({ intentId: expect.any(String) }));

      // Asked for 10 minutes in a function with 3 s left: it gives up before Lambda would cut it off.
      const short = await handler({ to: 'list-47', timeoutMs: NO_POLLING_MS }, lambdaContext({ functionName: 'mailer', region: 'local-1', timeoutMs: 3_000 })).catch((e: unknown) => e);
      expect(short).toBeInstanceOf(ApprovalTimeoutError);
    });
  });

  describe('fleet action kills', () => {
    it("halt actions kill refuses the glob for every agent (action_killed) until halt actions resume lifts it", async () => {
      const agent = await connectedAgent('fleet-mailer', {});
      await expect(agent.intent('email.send')).resolves.toEqual(expect.objectContaining({ intentId: expect.any(String) }));

      const killed = await halt(['actions', 'kill', 'email.*', '--reason', 'the mail provider leaks addresses']);
      expect(killed.code).toBe(0);
      expect(killed.out).toContain('email.* refused for every agent; enforced in local-1');
      await expect(agent.intent('email.send')).rejects.toMatchObject({ name: 'IntentRefusedError', status: 403, code: 'action_killed' });
      await expect(agent.intent('crm.read')).resolves.toEqual(expect.objectContaining({ intentId: expect.any(String) }));
      await waitFor(() => agent.killedActions.has('email.*'), { what: 'the pushed action kill' });

      const listed = await halt(['actions', 'list']);
      expect(listed.code).toBe(0);
      expect(listed.out).toMatch(/email\.\*\s+operator\s+\S+\s+the mail provider leaks addresses/);
      expect(JSON.parse((await halt(['--json', 'actions', 'list'])).out)).toEqual([expect.objectContaining({ action: 'email.*', reason: 'the mail provider leaks addresses' })]);
      const audit = await waitFor(async () => {
        const out = (await halt(['audit'])).out;
        return out.includes('fleet email.*') ? out : undefined;
      }, { what: 'the fleet kill in halt audit' });
      expect(audit).toMatch(/fleet email\.\*\s+v\S+\s+action_killed\s+by operator: the mail provider leaks addresses/);

      const resumed = await halt(['actions', 'resume', 'email.*', '--reason', 'provider patched']);
      expect(resumed.code).toBe(0);
      expect(resumed.out).toContain("email.* no longer refused fleet-wide; lifted in local-1; each agent's own policy applies again");
      await expect(agent.intent('email.send')).resolves.toEqual(expect.objectContaining({ intentId: expect.any(String) }));
      await waitFor(() => !agent.killedActions.has('email.*'), { what: 'the pushed action resume' });
      expect((await halt(['actions', 'list'])).out).toBe('no action is killed fleet-wide');

      const notKilled = await halt(['actions', 'resume', 'email.*', '--reason', 'again']);
      expect(notKilled.code).toBe(1);
      expect(notKilled.err).toContain('[404 not_found]');
    });

    it("refuses to kill '*' without --confirm, with the server's message, and kills it with --confirm", async () => {
      const bare = await halt(['actions', 'kill', '*', '--reason', 'everything stops']);
      expect(bare.code).toBe(1);
      expect(bare.err).toContain('send "confirm": true');
      expect(bare.err).toContain('[400 invalid_request]');
      expect((await operator().listKilledActions()).killed).toEqual([]);

      const confirmed = await halt(['actions', 'kill', '*', '--reason', 'everything stops', '--confirm']);
      expect(confirmed.code).toBe(0);
      expect(confirmed.out).toContain('* refused for every agent; enforced in local-1');
      expect((await halt(['actions', 'resume', '*', '--reason', 'false alarm'])).code).toBe(0);
      expect((await operator().listKilledActions()).killed).toEqual([]);
    });

    it('exits non-zero without --reason', async () => {
      const missing = await halt(['actions', 'kill', 'email.*']);
      expect(missing.code).toBe(2);
      expect(missing.err).toMatch(/--reason/);
      expect((await operator().listKilledActions()).killed).toEqual([]);
    });
  });
});
