/**
 * The OpenAI Agents SDK adapter against the local runtime, with the real `@openai/agents`
 * runner and a scripted model (the SDK's public `Model` interface): a kill ends a run mid-way,
 * a tool denied by policy is reported to the model, an approval pauses and resumes the run,
 * and the run's token usage becomes the agent's cost.
 */
import { Agent, setTracingDisabled, tool, Usage, type AgentOutputItem, type Model, type ModelRequest, type ModelResponse } from '@openai/agents';
import { z } from 'zod';
import { haltOpenAIAgents } from '../../sdk/adapters/openai-agents';
import type { HaltAgent } from '../../sdk/agent';
import { AgentStoppedError } from '../../sdk/errors';
import type { Policy } from '../../sdk/protocol/types';
import { useConnectedAgents } from '../support/connected-agents';
import { agentIn, useTestRuntime, waitFor } from '../support/local-runtime';

/** What the scripted model answers on its `turn`th call (0-based), having seen `request`. */
type Script = (turn: number, request: ModelRequest) => AgentOutputItem[];

/** A model that answers from a script, keeps every request it got, and reports fixed usage. */
class ScriptedModel implements Model {
  public readonly requests: ModelRequest[] = [];
  public constructor(
    private readonly script: Script,
    private readonly usage = { inputTokens: 1_000, outputTokens: 500 },
    /** What the model waits for before answering on its `turn`th call. */
    private readonly working: (turn: number) => Promise<unknown> = () => new Promise((resolve) => setTimeout(resolve, 10)),
  ) {}

  public async getResponse(request: ModelRequest): Promise<ModelResponse> {
    this.requests.push(request);
    await this.working(this.requests.length - 1);
    const { inputTokens, outputTokens } = this.usage;
    return { usage: new Usage({ requests: 1, inputTokens, outputTokens, totalTokens: inputTokens + outputTokens }), output: this.script(this.requests.length - 1, request) };
  }

  public getStreamedResponse(): AsyncIterable<never> {
    throw new Error('the scripted model does not stream');
  }

  /** Everything the model was sent on its `turn`th call, as text. */
  public sawOn(turn: number): string {
    return JSON.stringify(this.requests[turn]?.input ?? null);
  }
}

const callTool = (name: string, args: unknown, callId: string): AgentOutputItem => ({ type: 'function_call', callId, name, arguments: JSON.stringify(args), status: 'completed' });
const say = (text: string): AgentOutputItem => ({ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text }] });

/** A `send_email` tool that keeps what it sent (and whether the agent was killed by then). */
const emailTool = (gate: ReturnType<typeof haltOpenAIAgents>, halt: HaltAgent, name = 'send_email', { withApproval = true } = {}) => {
  const sent: { to: string; killed: boolean }[] = [];
  const sendEmail = tool({
    name,
    description: 'Send one email',
    parameters: z.object({ to: z.string() }),
    inputGuardrails: [gate.inputGuardrail],
    ...(withApproval ? { needsApproval: gate.needsApproval(name) } : {}),
    execute: async ({ to }) => {
      sent.push({ to, killed: halt.signal.aborted });
      await new Promise((resolve) => setTimeout(resolve, 20));
      return `sent to ${to}`;
    },
  });
  return { sendEmail, sent };
};

describe('OpenAI Agents SDK adapter (local runtime)', () => {
  const agents = useConnectedAgents(() => runtime());
  // Warm: the kill test measures the push reaching the run, not a push environment loading.
  const runtime = useTestRuntime({ warm: true });
  beforeAll(() => setTracingDisabled(true));

  const { operator, connected: haltAgent, pendingApproval } = agents;

  it('checks its options', () => {
    expect(() => haltOpenAIAgents({ halt: {} as HaltAgent })).toThrow(/options\.halt/);
  });

  it('a kill ends a run mid-way within a second, no tool call is made after it, and the tokens it spent are its cost', async () => {
    const halt = await haltAgent('oa-killed');
    // $1,000 per million input tokens and $2,000 per million output: each model call costs $2.
    const gate = haltOpenAIAgents({ halt, pricing: { inputUsdPerMillionTokens: 1_000, outputUsdPerMillionTokens: 2_000 } });
    const { sendEmail, sent } = emailTool(gate, halt);
    // The campaign never ends by itself: every turn sends one more email. The kill lands while
    // the model works on its fourth turn (it answers once the agent has heard of the kill): the
    // run is aborted, and the kill's error carries no run state to read the usage from.
    const heardOfKill = new Promise((resolve) => halt.signal.addEventListener('abort', resolve, { once: true }));
    const model = new ScriptedModel(
      (turn) => [callTool('send_email', { to: `customer-${turn}@example.com` }, `call-${turn}`)],
      undefined,
      (turn) => (turn === 3 ? heardOfKill : new Promise((resolve) => setTimeout(resolve, 10))),
    );
    const agent = new Agent({ name: 'campaign', instructions: 'Send the campaign.', model, tools: [sendEmail] });

    const running = gate.run(agent, 'Email every customer.', { maxTurns: 10_000 });
    const ended = running.then(
      () => ({ error: undefined as unknown, at: Date.now() }),
      (error: unknown) => ({ error, at: Date.now() }),
    );
    // Killed while the model works on its fourth turn (three emails sent).
    await waitFor(() => model.requests.length >= 4, { what: 'the fourth model call' });
    await operator().kill({ agentId: 'oa-killed', reason: 'runaway campaign' });
    const killedAt = Date.now();
    const sentAtKill = sent.length;

    const { error, at } = await ended;
    expect(error).toBeInstanceOf(AgentStoppedError);
    expect(error).toMatchObject({ status: 'killed' });
    expect(at - killedAt).toBeLessThan(1_000);
    // Nothing was sent once the agent knew it was killed, nor after the kill was answered
    // (at most the one call already running when the kill was made).
    expect(sent.some((s) => s.killed)).toBe(false);
    expect(sent.length).toBeLessThanOrEqual(sentAtKill + 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sent.length).toBeLessThanOrEqual(sentAtKill + 1);
    // A killed agent does not start another run.
    await expect(gate.run(agent, 'Try again.')).rejects.toBeInstanceOf(AgentStoppedError);
    // The killed run's four model calls are priced, the one it was aborted in included.
    expect(model.requests).toHaveLength(4);
    await halt.close(); // hands over the counts not yet reported
    const day = await waitFor(async () => (await operator().getUsage({ agentId: 'oa-killed' })).days.find((d) => d.costUsd > 0), { what: 'the killed run as cost' });
    expect(day.costUsd).toBeCloseTo(8, 6);
  });

  it('a kill the agent has not heard of yet ends the run at the gateway, with the kill\'s error', async () => {
    const created = await runtime().api('POST', '/v1/agents', { body: { agentId: 'oa-not-listening' } });
    expect(created.status).toBe(201);
    // Never started: no WebSocket, so only the gateway knows of the kill.
    const { agent: halt } = agentIn(runtime(), { key: created.body.agentKey, agentId: 'oa-not-listening', instanceId: 'i-1' });
    agents.track(halt);
    await operator().kill({ agentId: 'oa-not-listening', reason: 'stopped before it ran' });
    const gate = haltOpenAIAgents({ halt });
    const { sendEmail, sent } = emailTool(gate, halt);
    const model = new ScriptedModel((turn) => [callTool('send_email', { to: `customer-${turn}@example.com` }, `call-${turn}`)]);
    const agent = new Agent({ name: 'campaign', instructions: 'Send the campaign.', model, tools: [sendEmail] });

    const error = await gate.run(agent, 'Email every customer.').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentStoppedError);
    expect(sent).toEqual([]);
    expect(model.requests).toHaveLength(1);
  });

  // Asked in needsApproval (then the guardrail passes on the answer), or in the guardrail alone.
  it.each([
    ['with needsApproval', true],
    ['with the guardrail alone', false],
  ])('tells the model that a tool denied by policy was refused, and never runs it (%s)', async (_how, withApproval) => {
    const agentId = withApproval ? 'oa-denied' : 'oa-denied-guardrail';
    const halt = await haltAgent(agentId, { actions: { deny: ['tool.delete_list'] } });
    const gate = haltOpenAIAgents({ halt });
    const { sendEmail: deleteList, sent: deleted } = emailTool(gate, halt, 'delete_list', { withApproval });
    const model = new ScriptedModel((turn) => (turn === 0 ? [callTool('delete_list', { to: 'list-42' }, 'call-delete')] : [say('I could not delete the list.')]));
    const agent = new Agent({ name: 'cleanup', instructions: 'Clean up.', model, tools: [deleteList] });

    const result = await gate.run(agent, 'Delete list 42.');

    expect(deleted).toEqual([]);
    expect(result.interruptions).toEqual([]);
    expect(result.finalOutput).toBe('I could not delete the list.');
    expect(model.requests).toHaveLength(2);
    const told = model.sawOn(1);
    expect(told).toContain('call-delete');
    expect(told).toContain('Halt refused the call to tool \\"delete_list\\" (action tool.delete_list)');
    expect(told).toContain('The tool did not run; do not call it again for this task.');
  });

  describe('approvals', () => {
    const approvalPolicy: Policy = { approval: { actions: ['tool.send_email'], timeoutSeconds: 600 } };

    it('pauses the run on a call that needs a person, and runs it exactly once when approved', async () => {
      const halt = await haltAgent('oa-approved', approvalPolicy);
      const gate = haltOpenAIAgents({ halt, waitForApproval: { timeoutMs: 60_000 } });
      const { sendEmail, sent } = emailTool(gate, halt);
      const model = new ScriptedModel((turn) => (turn === 0 ? [callTool('send_email', { to: 'list-42' }, 'call-approve')] : [say('Sent.')]));
      const agent = new Agent({ name: 'campaign', instructions: 'Send the campaign.', model, tools: [sendEmail] });

      const paused = await gate.run(agent, 'Send the winter campaign to list 42.');
      expect(paused.interruptions).toHaveLength(1);
      expect(paused.interruptions[0]?.rawItem).toMatchObject({ callId: 'call-approve' });
      expect(sent).toEqual([]);
      const approval = await pendingApproval('oa-approved');
      expect(approval).toMatchObject({ action: 'tool.send_email', payload: { to: 'list-42' } });

      const settling = gate.settleApprovals(paused);
      await operator().approve({ approvalId: approval.approvalId, reason: 'list checked' });
      await expect(settling).resolves.toEqual({ approved: 1, rejected: 0 });

      const resumed = await gate.run(agent, paused.state);
      expect(resumed.interruptions).toEqual([]);
      expect(resumed.finalOutput).toBe('Sent.');
      expect(sent).toEqual([{ to: 'list-42', killed: false }]);
      expect((await operator().getApproval({ approvalId: approval.approvalId })).status).toBe('used');
      expect(model.sawOn(1)).toContain('sent to list-42');
    });

    it('rejects the call when the operator denies it, telling the model why', async () => {
      const halt = await haltAgent('oa-denied-approval', approvalPolicy);
      const gate = haltOpenAIAgents({ halt, waitForApproval: { timeoutMs: 60_000 } });
      const { sendEmail, sent } = emailTool(gate, halt);
      const model = new ScriptedModel((turn) => (turn === 0 ? [callTool('send_email', { to: 'list-43' }, 'call-deny')] : [say('Not sent.')]));
      const agent = new Agent({ name: 'campaign', instructions: 'Send the campaign.', model, tools: [sendEmail] });

      const paused = await gate.run(agent, 'Send the winter campaign to list 43.');
      expect(paused.interruptions).toHaveLength(1);
      const approval = await pendingApproval('oa-denied-approval');

      const settling = gate.settleApprovals(paused);
      await operator().deny({ approvalId: approval.approvalId, reason: 'wrong list' });
      await expect(settling).resolves.toEqual({ approved: 0, rejected: 1 });

      const resumed = await gate.run(agent, paused.state);
      expect(resumed.finalOutput).toBe('Not sent.');
      expect(sent).toEqual([]);
      const told = model.sawOn(1);
      expect(told).toContain('Halt refused the call to tool \\"send_email\\"');
      expect(told).toContain('approval_denied');
    });
  });

  it('records the run\'s token usage as the agent\'s cost', async () => {
    const halt = await haltAgent('oa-usage', {}, { reportIntervalMs: 200, heartbeatIntervalMs: 200 });
    // $1,000 per million input tokens and $2,000 per million output: each model call costs $2.
    const gate = haltOpenAIAgents({ halt, pricing: { inputUsdPerMillionTokens: 1_000, outputUsdPerMillionTokens: 2_000 } });
    const { sendEmail } = emailTool(gate, halt);
    const model = new ScriptedModel((turn) => (turn === 0 ? [callTool('send_email', { to: 'a@example.com' }, 'call-usage')] : [say('Done.')]));
    const agent = new Agent({ name: 'campaign', instructions: 'Send one email.', model, tools: [sendEmail] });

    const result = await gate.run(agent, 'Send one email.');
    expect(result.finalOutput).toBe('Done.');
    expect(model.requests).toHaveLength(2);

    const day = await waitFor(async () => (await operator().getUsage({ agentId: 'oa-usage' })).days.find((d) => d.costUsd > 0), { what: 'the usage as cost' });
    expect(day.costUsd).toBeCloseTo(4, 6);
    expect(day.intents).toBe(1);
  });
});
