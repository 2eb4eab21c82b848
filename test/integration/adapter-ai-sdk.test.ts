/**
 * The Vercel AI SDK adapter against the real `ai` package (a scripted mock model, no network)
 * and the local runtime: a kill ends a multi-step run and cuts a running stream, a denied tool
 * is told to the model, an approval lets the waiting tool run once, and the model's usage
 * becomes the agent's cost, with `halt.generation` spans on the caller's tracer.
 */
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { generateText, isStepCount, streamText, tool, wrapLanguageModel, type ToolSet } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { z } from 'zod';
import { haltModelMiddleware, haltTools, withHalt } from '../../sdk/adapters/ai-sdk';
import type { HaltAgent } from '../../sdk/agent';
import { AgentStoppedError } from '../../sdk/errors';
import type { Policy } from '../../sdk/protocol/types';
import { ATTR, SPAN } from '../../sdk/telemetry';
import { useConnectedAgents } from '../support/connected-agents';
import { useTestRuntime, waitFor } from '../support/local-runtime';

type Scripted = ConstructorParameters<typeof MockLanguageModelV4>[0] & object;
type GenerateResult = Awaited<ReturnType<Extract<NonNullable<Scripted['doGenerate']>, (...args: never[]) => unknown>>>;
type StreamResult = Awaited<ReturnType<Extract<NonNullable<Scripted['doStream']>, (...args: never[]) => unknown>>>;
type StreamPart = StreamResult['stream'] extends ReadableStream<infer P> ? P : never;

const usage = (input: number, output: number): GenerateResult['usage'] => ({
  inputTokens: { total: input, noCache: input, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: output, text: output, reasoning: undefined },
});

/** The model asks for `send_email` (call `n`). */
const callsSendEmail = (n: number): GenerateResult => ({
  content: [{ type: 'tool-call', toolCallId: `call-${n}`, toolName: 'send_email', input: JSON.stringify({ to: `customer-${n}@example.com` }) }],
  finishReason: { unified: 'tool-calls', raw: undefined },
  usage: usage(100, 20),
  warnings: [],
});

const says = (text: string, tokens = usage(100, 20)): GenerateResult => ({
  content: [{ type: 'text', text }],
  finishReason: { unified: 'stop', raw: undefined },
  usage: tokens,
  warnings: [],
});

/** A model that calls `send_email` at every step, for ever. */
const emailingModel = () => {
  let n = 0;
  return new MockLanguageModelV4({ modelId: 'mock-mailer', doGenerate: async () => callsSendEmail(++n) });
};

/** A model that calls `send_email` once, then answers with text. */
const oneEmailModel = () => {
  let n = 0;
  return new MockLanguageModelV4({ modelId: 'mock-mailer', doGenerate: async () => (++n === 1 ? callsSendEmail(n) : says('done')) });
};

/** A `send_email` tool that records each run. */
const sendEmail = (onSend: (to: string) => Promise<void> | void = () => undefined) => {
  const sent: { to: string; at: number }[] = [];
  const tools = {
    send_email: tool({
      description: 'Send one campaign email',
      inputSchema: z.object({ to: z.string() }),
      execute: async ({ to }) => {
        sent.push({ to, at: Date.now() });
        await onSend(to);
        return `sent to ${to}`;
      },
    }),
  } satisfies ToolSet;
  return { tools, sent };
};

/** What the model was sent back as the result of a tool call, in the prompt of call `index`. */
const toolResultsIn = (model: MockLanguageModelV4, index: number): string[] =>
  (model.doGenerateCalls[index]?.prompt ?? [])
    .filter((message) => message.role === 'tool')
    .flatMap((message) => message.content)
    .map((part) => JSON.stringify(part));

describe('Vercel AI SDK adapter (local runtime)', () => {
  const agents = useConnectedAgents(() => runtime());
  const runtime = useTestRuntime();
  const exporter = new InMemorySpanExporter();
  const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer('adapter-ai-sdk-test');

  const { operator } = agents;

  /** An agent with one instance connected over WebSocket, reporting its metrics (cost) within a second. */
  const connectedAgent = (agentId: string, policy: Policy = {}): Promise<HaltAgent> => agents.connected(agentId, policy, { heartbeatIntervalMs: 250, reportIntervalMs: 200, tracer });

  it('ends a multi-step run when the operator kills the agent, and runs no tool after the kill', async () => {
    const halt = await connectedAgent('ai-mailer-killed');
    let killedAt = 0;
    const { tools, sent } = sendEmail(async () => {
      // The operator kills the agent while its third email goes out.
      if (sent.length === 3) {
        await operator().kill({ agentId: 'ai-mailer-killed', reason: 'wrong mailing list' });
        killedAt = Date.now();
      }
    });
    const model = emailingModel();
    const { model: guarded, tools: guardedTools } = withHalt(model, tools, { halt, actions: { send_email: 'email.send' } });

    const outcome = await generateText({ model: guarded, tools: guardedTools, prompt: 'Send the winter campaign', stopWhen: isStepCount(500), maxRetries: 0 }).then(
      () => 'finished',
      (error: unknown) => error,
    );
    const stoppedAt = Date.now();

    expect(outcome).toBeInstanceOf(AgentStoppedError);
    expect(outcome).toMatchObject({ status: 'killed', reason: 'wrong mailing list' });
    expect(killedAt).toBeGreaterThan(0);
    expect(stoppedAt - killedAt).toBeLessThan(1_000);
    expect(sent).toHaveLength(3);
    expect(sent.filter((s) => s.at > killedAt)).toEqual([]);
    // Stopped, it makes no new model call either.
    const calls = model.doGenerateCalls.length;
    await expect(generateText({ model: guarded, tools: guardedTools, prompt: 'again', maxRetries: 0 })).rejects.toBeInstanceOf(AgentStoppedError);
    expect(model.doGenerateCalls).toHaveLength(calls);
    // AND the kill is on the agent's tracer: a status change with its version and reason
    const statusSpan = await waitFor(
      () => exporter.getFinishedSpans().find((s) => s.name === SPAN.statusChange && s.attributes[ATTR.agentId] === 'ai-mailer-killed' && s.attributes[ATTR.status] === 'killed'),
      { what: 'the halt.status_change span of the kill' },
    );
    expect(statusSpan.attributes).toMatchObject({ [ATTR.reason]: 'wrong mailing list', [ATTR.instanceId]: 'i-1' });
    expect(statusSpan.attributes[ATTR.version]).toBeGreaterThan(1);
  });

  it('cuts a running stream when the kill arrives: it errors with the AgentStoppedError and carries nothing more', async () => {
    const halt = await connectedAgent('ai-streamer-killed');
    let cancelled = false;
    let produced = 0;
    const model = new MockLanguageModelV4({
      modelId: 'mock-streamer',
      doStream: async () => ({
        stream: new ReadableStream<StreamPart>({
          start(controller) {
            controller.enqueue({ type: 'stream-start', warnings: [] });
            controller.enqueue({ type: 'text-start', id: 't' });
          },
          async pull(controller) {
            await new Promise((r) => setTimeout(r, 20));
            controller.enqueue({ type: 'text-delta', id: 't', delta: `word${++produced} ` });
          },
          cancel() {
            cancelled = true;
          },
        }),
      }),
    });
    const guarded = wrapLanguageModel({ model, middleware: haltModelMiddleware({ halt, tracer }) });

    const result = streamText({ model: guarded, prompt: 'Write the newsletter', maxRetries: 0 });
    const deltas: number[] = [];
    let error: unknown;
    let killCall: Promise<unknown> | undefined;
    let abortedAt = 0;
    halt.signal.addEventListener('abort', () => (abortedAt = Date.now()), { once: true });
    try {
      for await (const part of result.fullStream) {
        if (part.type === 'text-delta') {
          deltas.push(Date.now());
          if (deltas.length === 5) {
            killCall = operator().kill({ agentId: 'ai-streamer-killed', reason: 'newsletter pulled' });
          }
        }
        if (part.type === 'error') error = part.error;
      }
    } catch (thrown) {
      error = thrown;
    }
    const endedAt = Date.now();

    expect(error).toBeInstanceOf(AgentStoppedError);
    expect(error).toMatchObject({ status: 'killed', reason: 'newsletter pulled' });
    // The push goes out before the kill call answers (it then confirms every region), so the
    // stream can be cut before the operator's call returns: the call must still succeed.
    await expect(killCall).resolves.toMatchObject({ status: 'killed' });
    // Cut as soon as the kill reaches the instance (the push), and nothing the model produced
    // after it reached the caller.
    expect(abortedAt).toBeGreaterThan(0);
    expect(endedAt - abortedAt).toBeLessThan(1_000);
    expect(deltas.filter((at) => at > abortedAt)).toEqual([]);
    expect(produced).toBeGreaterThanOrEqual(deltas.length);
    await waitFor(() => cancelled, { what: "the model's stream cancelled" });
    const span = exporter.getFinishedSpans().find((s) => s.name === SPAN.generation && s.attributes[ATTR.requestModel] === 'mock-streamer');
    expect(span?.events.map((e) => e.name)).toContain('halt.stream_cut');
  });

  it('tells the model when policy denies a tool, and never runs it', async () => {
    const halt = await connectedAgent('ai-mailer-denied', { actions: { deny: ['email.send'] } });
    const { tools, sent } = sendEmail();
    const model = oneEmailModel();
    const { model: guarded, tools: guardedTools } = withHalt(model, tools, { halt, actions: { send_email: 'email.send' } });

    const result = await generateText({ model: guarded, tools: guardedTools, prompt: 'Send the winter campaign', stopWhen: isStepCount(5), maxRetries: 0 });

    expect(result.text).toBe('done');
    expect(sent).toEqual([]);
    const told = toolResultsIn(model, 1);
    expect(told).toHaveLength(1);
    expect(told[0]).toContain('Halt refused the call to tool \\"send_email\\" (action email.send): action_denied');
    expect(told[0]).toContain('call-1');
  });

  it('holds a tool call for a person, and runs it once when the operator approves', async () => {
    const halt = await connectedAgent('ai-mailer-approval', { approval: { actions: ['email.send'], timeoutSeconds: 600 } });
    const { tools, sent } = sendEmail();
    const model = oneEmailModel();
    const guardedTools = haltTools(tools, { halt, actions: { send_email: 'email.send' }, waitForApproval: { timeoutMs: 60_000 } });

    const run = generateText({ model, tools: guardedTools, prompt: 'Send the winter campaign', stopWhen: isStepCount(5), maxRetries: 0 });
    const approval = await agents.pendingApproval('ai-mailer-approval');
    expect(approval).toMatchObject({ action: 'email.send', payload: { to: 'customer-1@example.com' } });
    expect(sent).toEqual([]);

    await operator().approve({ approvalId: approval.approvalId, reason: 'list checked' });
    const result = await run;

    expect(result.text).toBe('done');
    expect(sent.map((s) => s.to)).toEqual(['customer-1@example.com']);
    expect(toolResultsIn(model, 1).join('\n')).toContain('sent to customer-1@example.com');
    expect((await operator().getApproval({ approvalId: approval.approvalId })).status).toBe('used');
  });

  it('prices the model usage as the agent cost, with a halt.generation span per call', async () => {
    const halt = await connectedAgent('ai-mailer-metered');
    const { tools, sent } = sendEmail();
    let n = 0;
    // Two calls of 1,000 input and 500 output tokens at $2 and $10 a million: $0.007 each, $0.014 in all.
    const model = new MockLanguageModelV4({
      modelId: 'mock-priced',
      doGenerate: async () => (++n === 1 ? { ...callsSendEmail(n), usage: usage(1_000, 500) } : says('done', usage(1_000, 500))),
    });
    const { model: guarded, tools: guardedTools } = withHalt(model, tools, {
      halt,
      tracer,
      pricing: { inputUsdPerMillionTokens: 2, outputUsdPerMillionTokens: 10 },
    });

    await generateText({ model: guarded, tools: guardedTools, prompt: 'Send one email', stopWhen: isStepCount(5), maxRetries: 0 });

    expect(sent).toHaveLength(1);
    const costToday = await waitFor(
      async () => {
        const { days } = await operator().getUsage({ agentId: 'ai-mailer-metered', days: 1 });
        const cost = days.reduce((sum, day) => sum + day.costUsd, 0);
        return cost > 0.013 ? cost : undefined;
      },
      { what: 'the priced usage in the agent usage' },
    );
    expect(costToday).toBeCloseTo(0.014, 6);
    const generations = exporter.getFinishedSpans().filter((s) => s.name === SPAN.generation && s.attributes[ATTR.requestModel] === 'mock-priced');
    expect(generations).toHaveLength(2);
    for (const span of generations) {
      expect(span.attributes).toMatchObject({ [ATTR.inputTokens]: 1_000, [ATTR.outputTokens]: 500, [ATTR.agentId]: 'ai-mailer-metered' });
      expect(span.attributes[ATTR.costUsd]).toBeCloseTo(0.007, 9);
    }
    const intent = exporter.getFinishedSpans().find((s) => s.name === SPAN.intent && s.attributes[ATTR.agentId] === 'ai-mailer-metered');
    expect(intent?.attributes).toMatchObject({ [ATTR.toolName]: 'send_email', [ATTR.toolCallId]: 'call-1', [ATTR.action]: 'tool.send_email', [ATTR.decision]: 'admitted' });
  });

  it('refuses options without a Halt agent', () => {
    expect(() => haltModelMiddleware({ halt: {} as HaltAgent })).toThrow(/options\.halt/);
    expect(() => haltTools({}, { halt: undefined as unknown as HaltAgent })).toThrow(/options\.halt/);
  });
});
