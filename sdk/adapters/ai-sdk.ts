/**
 * Halt for the Vercel AI SDK (`ai` 7): a language-model middleware that refuses generation
 * while the agent is killed or paused, cuts a running stream when the kill arrives and prices
 * the usage as cost; and tool wrappers that ask the gateway before each call. Both build on
 * `guard.ts`, the core every adapter shares.
 *
 * Use both, and pass `abortSignal: halt.signal` to `generateText`/`streamText`: the AI SDK
 * reports an error thrown by a tool to the model as a tool error and carries on, so a kill seen
 * first by a tool call ends the run at the next model call (refused by the middleware), or at
 * once through the signal.
 *
 * @example
 * import { generateText, isStepCount, tool } from 'ai';
 * const halt = new HaltAgent({ url, wsUrl, key, agentId: 'mailer', instanceId: 'i-1' });
 * await halt.start();
 * const { model, tools } = withHalt(openai('gpt-5'), { send_email: tool({ … }) }, {
 *   halt,
 *   actions: { send_email: 'email.send' },
 *   pricing: { inputUsdPerMillionTokens: 1.25, outputUsdPerMillionTokens: 10 },
 * });
 * await generateText({ model, tools, prompt, stopWhen: isStepCount(20), abortSignal: halt.signal });
 */
import type { Span } from '@opentelemetry/api';
import { wrapLanguageModel, type LanguageModelMiddleware, type ToolExecutionOptions, type ToolSet } from 'ai';
import { ATTR, recordDecisionError, SPAN } from '../telemetry';
import { adapterTelemetry, askGateway, assertMayRun, checkGateOptions, recordUsage, refusalMessage, stoppedError, withKill, type ToolGateOptions } from './guard';

// The provider types, read off `ai`'s own exports (so callers need no `@ai-sdk/provider` import).
type WrappableModel = Parameters<typeof wrapLanguageModel>[0]['model'];
type StreamResult = Awaited<ReturnType<NonNullable<LanguageModelMiddleware['wrapStream']>>>;
type StreamPart = StreamResult['stream'] extends ReadableStream<infer P> ? P : never;
type ModelUsage = Extract<StreamPart, { type: 'finish' }>['usage'];

/** Token counts of a model call, as `recordUsage` wants them. */
const tokens = (usage: ModelUsage | undefined): { inputTokens?: number; outputTokens?: number } => ({
  ...(usage?.inputTokens.total !== undefined ? { inputTokens: usage.inputTokens.total } : {}),
  ...(usage?.outputTokens.total !== undefined ? { outputTokens: usage.outputTokens.total } : {}),
});

/**
 * The stream `inner`, cut when the agent is killed: it errors with the kill's
 * `AgentStoppedError`, carries no further chunk, and the model's stream is cancelled.
 */
const cutOnKill = (
  options: ToolGateOptions,
  inner: ReadableStream<StreamPart>,
  span: Span | undefined,
): ReadableStream<StreamPart> => {
  const { halt } = options;
  const reader = inner.getReader();
  let finished = false;
  let onKill: (() => void) | undefined;
  const finish = (error?: unknown): void => {
    if (finished) return;
    finished = true;
    if (onKill) halt.signal.removeEventListener('abort', onKill);
    if (error !== undefined && span) recordDecisionError(span, error);
    span?.end();
  };
  return new ReadableStream<StreamPart>({
    start(controller) {
      onKill = () => {
        const error = stoppedError(halt);
        span?.addEvent('halt.stream_cut', { [ATTR.status]: error.status, ...(error.reason ? { [ATTR.reason]: error.reason } : {}) });
        span?.setAttributes({ [ATTR.decision]: 'refused', [ATTR.code]: `agent_${error.status}` });
        controller.error(error);
        reader.cancel(error).catch(() => undefined);
        finish();
      };
      if (halt.signal.aborted) onKill();
      else halt.signal.addEventListener('abort', onKill, { once: true });
    },
    async pull(controller) {
      if (finished) return;
      try {
        const next = await reader.read();
        if (finished) return;
        if (next.done) {
          controller.close();
          finish();
          return;
        }
        if (next.value.type === 'finish') recordUsage(options, tokens(next.value.usage), span);
        controller.enqueue(next.value);
      } catch (error) {
        if (finished) return;
        controller.error(error);
        finish(error);
      }
    },
    cancel(reason) {
      finish();
      return reader.cancel(reason);
    },
  });
};

/**
 * Middleware for `wrapLanguageModel`: each model call (generate or stream) is refused with the
 * agent's `AgentStoppedError` while it is killed or paused, runs with an abort signal that the
 * kill aborts, and has its usage priced at `options.pricing` (`recordCost`). A stream running
 * when the kill arrives errors with the `AgentStoppedError` and yields nothing more. With
 * `options.tracer`, each call is a `halt.generation` span (model, tokens, cost; a
 * `halt.stream_cut` event when cut).
 *
 * @example
 * const model = wrapLanguageModel({ model: openai('gpt-5'), middleware: haltModelMiddleware({ halt, pricing }) });
 */
export const haltModelMiddleware = (options: ToolGateOptions): LanguageModelMiddleware => {
  checkGateOptions(options);
  const { halt } = options;
  const telemetry = adapterTelemetry(options);
  return {
    specificationVersion: 'v4',
    transformParams: async ({ params }) => {
      assertMayRun(halt);
      return { ...params, abortSignal: withKill(halt, params.abortSignal) };
    },
    wrapGenerate: ({ doGenerate, model }) =>
      telemetry.span(SPAN.generation, { [ATTR.requestModel]: model.modelId }, async (span) => {
        assertMayRun(halt);
        try {
          const result = await doGenerate();
          recordUsage(options, tokens(result.usage), span);
          return result;
        } catch (error) {
          // A call the kill aborted ends with the kill's reason, whatever the provider threw.
          if (halt.signal.aborted) throw stoppedError(halt);
          throw error;
        }
      }),
    wrapStream: async ({ doStream, model }) => {
      const span = telemetry.start(SPAN.generation, { [ATTR.requestModel]: model.modelId });
      try {
        assertMayRun(halt);
        const result = await doStream();
        return { ...result, stream: cutOnKill(options, result.stream, span) };
      } catch (caught) {
        const error = halt.signal.aborted ? stoppedError(halt) : caught;
        if (span) {
          recordDecisionError(span, error);
          span.end();
        }
        throw error;
      }
    },
  };
};

/**
 * `tools` with each `execute` asked of the gateway first (the input as the intent's payload,
 * the call id as `gen_ai.tool.call.id`). A refused call returns `refusalMessage(…)` as its
 * result, so the model is told and can carry on; a stopped agent (killed, paused) or an
 * unreachable control plane throws, ending the run. An admitted call runs the tool with an
 * abort signal the kill aborts. With `options.waitForApproval`, a call that needs a person
 * waits for the decision and runs once approved (a denial is told to the model). Tools
 * without `execute` (client-side tools) are left as they are.
 *
 * @example
 * const tools = haltTools({ send_email: tool({ inputSchema, execute: send }) }, { halt, actions: { send_email: 'email.send' } });
 */
export const haltTools = <TOOLS extends ToolSet>(tools: TOOLS, options: ToolGateOptions): TOOLS => {
  checkGateOptions(options);
  const { halt } = options;
  const wrapped: Record<string, unknown> = {};
  for (const [name, original] of Object.entries(tools)) {
    const execute = original.execute as ((input: unknown, call: ToolExecutionOptions<unknown>) => unknown) | undefined;
    if (!execute) {
      wrapped[name] = original;
      continue;
    }
    wrapped[name] = {
      ...original,
      execute: async (input: unknown, call: ToolExecutionOptions<unknown>) => {
        const decision = await askGateway(options, name, input, { callId: call.toolCallId });
        if (!decision.admitted) return refusalMessage(name, decision);
        assertMayRun(halt);
        return execute(input, { ...call, abortSignal: withKill(halt, call.abortSignal) });
      },
    };
  }
  return wrapped as TOOLS;
};

/**
 * Both at once: the model wrapped in `haltModelMiddleware`, the tools in `haltTools`.
 *
 * @example
 * const { model, tools } = withHalt(openai('gpt-5'), { send_email }, { halt, pricing });
 */
export const withHalt = <TOOLS extends ToolSet>(model: WrappableModel, tools: TOOLS, options: ToolGateOptions): { model: WrappableModel; tools: TOOLS } => ({
  model: wrapLanguageModel({ model, middleware: haltModelMiddleware(options) }),
  tools: haltTools(tools, options),
});
