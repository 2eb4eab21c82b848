/**
 * The LangChain.js adapter (`sdk/adapters/langchain.ts`) with the real `createAgent`, a scripted
 * fake model and the real local runtime: a kill ends a run mid-way, a denied tool is reported
 * to the model and never runs, an approval interrupts the graph and the resumed run calls the
 * tool once, and the model's usage reaches the operator as cost.
 */
import { MemorySaver } from '@langchain/langgraph';
import { AIMessage, ToolMessage, createAgent, fakeModel, tool, type BaseMessage } from 'langchain';
import { z } from 'zod';
import { haltApprovals, haltMiddleware, haltResume, haltStopOf, waitForHaltDecision } from '../../sdk/adapters/langchain';
import { ApprovalTimeoutError } from '../../sdk/errors';
import { useConnectedAgents } from '../support/connected-agents';
import { useTestRuntime, waitFor } from '../support/local-runtime';

/** A model that calls `send_email` for every message it is asked about, `turns` times. */
const mailingModel = (turns: number, usage?: { input_tokens: number; output_tokens: number }) => {
  const model = fakeModel();
  for (let turn = 1; turn <= turns; turn += 1) {
    model.respond(
      () =>
        new AIMessage({
          content: '',
          tool_calls: [{ id: `call-${turn}`, name: 'send_email', args: { to: `customer-${turn}@example.com` }, type: 'tool_call' }],
          ...(usage ? { usage_metadata: { ...usage, total_tokens: usage.input_tokens + usage.output_tokens } } : {}),
        }),
    );
  }
  return model;
};

/** A `send_email` tool that records each address it sent to. */
const mailer = (delayMs = 0) => {
  const sent: string[] = [];
  const sendEmail = tool(
    async ({ to }: { to: string }) => {
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      sent.push(to);
      return `sent to ${to}`;
    },
    { name: 'send_email', description: 'Send the campaign email to one address', schema: z.object({ to: z.string() }) },
  );
  return { sent, sendEmail };
};

describe('LangChain.js adapter (createAgent, local runtime)', () => {
  const agents = useConnectedAgents(() => runtime());
  const runtime = useTestRuntime();
  const { operator, connected: connectedAgent } = agents;

  /**
   * A new agent whose `email.send_all` needs a person, and a checkpointed LangChain agent on
   * `model` that sends through it (held calls interrupt the run).
   */
  const approvalCampaign = async (agentId: string, model: ReturnType<typeof mailingModel>) => {
    const halt = await connectedAgent(agentId, { approval: { actions: ['email.send_all'], timeoutSeconds: 600 } });
    const { sent, sendEmail } = mailer();
    const agent = createAgent({ model, tools: [sendEmail], checkpointer: new MemorySaver(), middleware: [haltMiddleware({ halt, actions: { send_email: 'email.send_all' } })] });
    return { halt, sent, agent };
  };

  it('ends a run when the agent is killed mid-way, within a second, and calls no tool after', async () => {
    const halt = await connectedAgent('lc-killed');
    const { sent, sendEmail } = mailer(50);
    const model = mailingModel(500);
    const agent = createAgent({ model, tools: [sendEmail], middleware: [haltMiddleware({ halt, actions: { send_email: 'email.send' } })] });

    let endedAt = 0;
    const run = agent
      .invoke({ messages: [{ role: 'user', content: 'Send the winter sale to every customer' }] }, { signal: halt.signal, recursionLimit: 2_000 })
      .then(
        () => undefined,
        (error: unknown) => error,
      )
      .finally(() => {
        endedAt = Date.now();
      });
    await waitFor(() => sent.length >= 3, { what: 'three emails sent' });
    await operator().kill({ agentId: 'lc-killed', reason: 'runaway mailer' });
    // From the operator's answer: the kill is recorded; the push reaches the instance after.
    const killedAt = Date.now();
    const error = await run;

    expect(endedAt - killedAt).toBeLessThan(1_000);
    expect(haltStopOf(error)).toMatchObject({ name: 'AgentStoppedError', status: 'killed', reason: 'runaway mailer' });
    const sentAtEnd = sent.length;
    const modelCallsAtEnd = model.callCount;
    expect(sentAtEnd).toBeLessThan(500);
    // Nothing keeps going behind the caller's back.
    await new Promise((r) => setTimeout(r, 500));
    expect(sent.length).toBe(sentAtEnd);
    expect(model.callCount).toBe(modelCallsAtEnd);

    // A new run on the killed agent makes no model call at all.
    const again = await agent.invoke({ messages: [{ role: 'user', content: 'Try again' }] }).catch((e: unknown) => e);
    expect(haltStopOf(again)).toMatchObject({ status: 'killed' });
    expect(model.callCount).toBe(modelCallsAtEnd);
  });

  it('tells the model a tool denied by policy was refused, and never runs it', async () => {
    const halt = await connectedAgent('lc-denied', { actions: { deny: ['email.*'] } });
    const { sent, sendEmail } = mailer();
    let seenByModel: BaseMessage[] = [];
    const model = mailingModel(1).respond((messages) => {
      seenByModel = messages;
      return new AIMessage('I could not send it: Halt refused.');
    });
    const agent = createAgent({ model, tools: [sendEmail], middleware: [haltMiddleware({ halt, actions: { send_email: 'email.send' } })] });

    const result = await agent.invoke({ messages: [{ role: 'user', content: 'Send the winter sale' }] }, { signal: halt.signal });

    expect(sent).toEqual([]);
    const told = seenByModel.find((m): m is ToolMessage => ToolMessage.isInstance(m));
    expect(told).toBeDefined();
    expect(told?.status).toBe('error');
    expect(told?.tool_call_id).toBe('call-1');
    expect(told?.content).toContain('Halt refused the call to tool "send_email" (action email.send): action_denied');
    expect(told?.content).toContain('The tool did not run');
    expect(result.messages.at(-1)?.content).toBe('I could not send it: Halt refused.');
  });

  it('interrupts the graph for an approval, and the resumed run calls the tool exactly once after the operator approves', async () => {
    const { halt, sent, agent } = await approvalCampaign('lc-approval', mailingModel(1).respond(new AIMessage('Sent.')));
    const config = { configurable: { thread_id: 'campaign-1' }, signal: halt.signal };

    const interrupted = await agent.invoke({ messages: [{ role: 'user', content: 'Send the winter sale to the list' }] }, config);
    const approvals = haltApprovals(interrupted);
    expect(approvals).toHaveLength(1);
    const held = approvals[0] as (typeof approvals)[number];
    expect(held).toMatchObject({ type: 'halt.approval', approvalId: expect.stringMatching(/^apr_/), action: 'email.send_all', tool: 'send_email', args: { to: 'customer-1@example.com' }, toolCallId: 'call-1' });
    expect(sent).toEqual([]);
    const approval = await operator().getApproval({ approvalId: held.approvalId });
    expect(approval).toMatchObject({ status: 'pending', action: 'email.send_all', payload: { to: 'customer-1@example.com' } });

    const decision = waitForHaltDecision({ halt, approvalId: held.approvalId, timeoutMs: 60_000 });
    await operator().approve({ approvalId: held.approvalId, reason: 'list checked' });
    await expect(decision).resolves.toBe('approved');

    const resumed = await agent.invoke(haltResume(interrupted), config);
    expect(haltApprovals(resumed)).toEqual([]);
    expect(sent).toEqual(['customer-1@example.com']);
    expect(resumed.messages.at(-1)?.content).toBe('Sent.');
    expect((await operator().getApproval({ approvalId: held.approvalId })).status).toBe('used');
    // No second approval was asked for on the way.
    expect((await operator().listApprovals({ agentId: 'lc-approval' })).approvals.map((a) => a.approvalId)).toEqual([held.approvalId]);
  });

  it('ends the wait as pending when the WebSocket reconnected (a decision pushed while it was down is not pushed again); the resumed run then calls the approved tool once', async () => {
    const { halt, sent, agent } = await approvalCampaign('lc-approval-missed', mailingModel(1).respond(new AIMessage('Sent.')));
    const config = { configurable: { thread_id: 'campaign-missed' }, signal: halt.signal };
    const interrupted = await agent.invoke({ messages: [{ role: 'user', content: 'Send the winter sale to the list' }] }, config);
    const [held] = haltApprovals(interrupted);
    if (!held) throw new Error('no approval held');

    let heard: string | undefined;
    const decision = waitForHaltDecision({ halt, approvalId: held.approvalId, timeoutMs: 60_000 }).then((status) => (heard = status));
    // GIVEN the operator approves while the agent's WebSocket is down (the push reaches no one)
    await runtime().runtime.regions[0]?.websocket.restart(async () => {
      await operator().approve({ approvalId: held.approvalId, reason: 'list checked' });
    });
    // THEN the wait ends on the reconnect, saying it heard no decision
    await expect(decision).resolves.toBe('pending');
    expect(heard).toBe('pending');
    // AND resuming asks the gateway, which has the approval: the tool runs once
    const resumed = await agent.invoke(haltResume(interrupted), config);
    expect(haltApprovals(resumed)).toEqual([]);
    expect(sent).toEqual(['customer-1@example.com']);
    expect((await operator().getApproval({ approvalId: held.approvalId })).status).toBe('used');
  });

  it('gives up waiting with an ApprovalTimeoutError naming the approval', async () => {
    const { halt, agent } = await approvalCampaign('lc-approval-slow', mailingModel(1));
    const interrupted = await agent.invoke({ messages: [{ role: 'user', content: 'Send it' }] }, { configurable: { thread_id: 'campaign-slow' }, signal: halt.signal });
    const [held] = haltApprovals(interrupted);
    if (!held) throw new Error('no approval held');
    const waited = waitForHaltDecision({ halt, approvalId: held.approvalId, timeoutMs: 300 });
    await expect(waited).rejects.toBeInstanceOf(ApprovalTimeoutError);
    await expect(waited).rejects.toMatchObject({ approvalId: held.approvalId, timeoutMs: 300 });
  });

  it('after a denial, the resumed run tells the model the call was denied and never runs the tool', async () => {
    let seenByModel: BaseMessage[] = [];
    const model = mailingModel(1).respond((messages) => {
      seenByModel = messages;
      return new AIMessage('Not sent: denied.');
    });
    const { halt, sent, agent } = await approvalCampaign('lc-denial', model);
    const config = { configurable: { thread_id: 'campaign-2' }, signal: halt.signal };

    const [held] = haltApprovals(await agent.invoke({ messages: [{ role: 'user', content: 'Send the winter sale to the list' }] }, config));
    expect(held?.approvalId).toMatch(/^apr_/);
    await operator().deny({ approvalId: held?.approvalId ?? '', reason: 'this list has not opted in' });

    const resumed = await agent.invoke(haltResume(), config);
    expect(sent).toEqual([]);
    const told = seenByModel.find((m): m is ToolMessage => ToolMessage.isInstance(m));
    expect(told?.status).toBe('error');
    expect(told?.content).toContain('approval_denied');
    expect(told?.content).toContain('this list has not opted in');
    expect(resumed.messages.at(-1)?.content).toBe('Not sent: denied.');
  });

  it('with waitForApproval, waits inline for the decision (no interrupt) and runs the approved tool once', async () => {
    const halt = await connectedAgent('lc-inline-approval', { approval: { actions: ['email.send_all'], timeoutSeconds: 600 } });
    const { sent, sendEmail } = mailer();
    const model = mailingModel(1).respond(new AIMessage('Sent.'));
    const agent = createAgent({
      model,
      tools: [sendEmail],
      middleware: [haltMiddleware({ halt, actions: { send_email: 'email.send_all' }, waitForApproval: { timeoutMs: 60_000 } })],
    });

    const run = agent.invoke({ messages: [{ role: 'user', content: 'Send the winter sale to the list' }] }, { signal: halt.signal });
    const approval = await agents.pendingApproval('lc-inline-approval');
    expect(sent).toEqual([]);
    await operator().approve({ approvalId: approval.approvalId });

    const result = await run;
    expect(haltApprovals(result)).toEqual([]);
    expect(sent).toEqual(['customer-1@example.com']);
    expect(result.messages.at(-1)?.content).toBe('Sent.');
    expect((await operator().getApproval({ approvalId: approval.approvalId })).status).toBe('used');
  });

  it('records the model calls\' usage as cost, seen by the operator', async () => {
    const halt = await connectedAgent('lc-usage', {}, { reportIntervalMs: 200, heartbeatIntervalMs: 200 });
    const { sendEmail } = mailer();
    const usage = { input_tokens: 1_000, output_tokens: 500 };
    const model = mailingModel(1, usage).respond(new AIMessage({ content: 'Done.', usage_metadata: { ...usage, total_tokens: 1_500 } }));
    const agent = createAgent({
      model,
      tools: [sendEmail],
      middleware: [haltMiddleware({ halt, pricing: { inputUsdPerMillionTokens: 3, outputUsdPerMillionTokens: 15 } })],
    });

    await agent.invoke({ messages: [{ role: 'user', content: 'Send one email' }] }, { signal: halt.signal });

    // Two model calls of 1000 in, 500 out at $3 / $15 per million: 2 × $0.0105.
    const cost = await waitFor(
      async () => {
        const total = (await operator().getUsage({ agentId: 'lc-usage' })).days.reduce((sum, day) => sum + day.costUsd, 0);
        return total > 0.02 ? total : undefined;
      },
      { what: 'the usage reported as cost' },
    );
    expect(cost).toBeCloseTo(0.021, 6);
  });
});
