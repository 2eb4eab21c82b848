/**
 * Halt for LangChain.js agents (`createAgent` of `langchain` 1.x): one middleware that refuses
 * model calls while the agent is killed or paused, prices each call's usage as cost, asks the
 * gateway before every tool call, and holds a call that needs a person with a LangGraph
 * interrupt (or waits inline with `waitForApproval`).
 *
 * Pass `signal: halt.signal` to `invoke`/`stream` as well: a kill then cuts the model call or
 * tool in flight, not only the next one.
 *
 * @example
 * const halt = new HaltAgent({ url, wsUrl, key, agentId: 'email-campaign', instanceId: 'i-1' });
 * await halt.start();
 * const agent = createAgent({
 *   model, tools: [sendEmail], checkpointer: new MemorySaver(),
 *   middleware: [haltMiddleware({ halt, actions: { send_email: 'email.send' }, pricing: { inputUsdPerMillionTokens: 3, outputUsdPerMillionTokens: 15 } })],
 * });
 * const config = { configurable: { thread_id: 'campaign-42' }, signal: halt.signal };
 * let result = await agent.invoke({ messages: [{ role: 'user', content: 'Send the winter sale' }] }, config);
 * while (haltApprovals(result).length > 0) {
 *   for (const held of haltApprovals(result)) await waitForHaltDecision({ halt, approvalId: held.approvalId, timeoutMs: 15 * 60_000 });
 *   result = await agent.invoke(haltResume(result), config);   // the gateway is asked again: each approved tool runs once
 * }
 */
import { Command, interrupt } from '@langchain/langgraph';
import { AIMessage, ToolMessage, createMiddleware } from 'langchain';
import { AgentStoppedError, ApprovalTimeoutError } from '../errors';
import type { ApprovalStatus } from '../protocol/types';
import { ATTR, SPAN } from '../telemetry';
import type { WaitForApprovalOptions } from '../wait-for-approval';
import {
  adapterTelemetry,
  askGateway,
  assertMayRun,
  checkGateOptions,
  recordUsage,
  refusalMessage,
  stoppedError,
  type HaltGuard,
  type ToolDecision,
  type ToolGateOptions,
  withKill,
} from './guard';

/** The name the middleware carries in LangChain (and in its `MiddlewareError`s). */
export const HALT_MIDDLEWARE_NAME = 'HaltMiddleware';

/** What the graph is interrupted with when the gateway holds a tool call for a person. */
export interface HaltApprovalInterrupt {
  readonly type: 'halt.approval';
  readonly approvalId: string;
  readonly action: string;
  readonly tool: string;
  readonly args: unknown;
  readonly toolCallId?: string;
  /** The gateway's words, for a person reading the interrupt. */
  readonly message: string;
}

export interface HaltMiddlewareOptions extends ToolGateOptions {
  /**
   * A call that needs a person: wait inline (up to `timeoutMs`) instead of interrupting the
   * graph. Without it the run is interrupted (`HaltApprovalInterrupt`), which needs a
   * checkpointer; resume it with `haltResume()`.
   */
  readonly waitForApproval?: WaitForApprovalOptions;
}

type Pending = { readonly approvalId: string };

/** Rejects with the agent's stop once `halt.signal` aborts; otherwise `work`'s outcome. */
const untilKilled = <T>(halt: HaltGuard, work: Promise<T>): Promise<T> => {
  if (halt.signal.aborted) return Promise.reject(stoppedError(halt));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(stoppedError(halt));
    halt.signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => halt.signal.removeEventListener('abort', onAbort));
  });
};

const refusal = (toolName: string, toolCallId: string | undefined, decision: Extract<ToolDecision, { admitted: false }>): ToolMessage =>
  new ToolMessage({ content: refusalMessage(toolName, decision), tool_call_id: toolCallId ?? '', name: toolName, status: 'error' });

/**
 * The Halt middleware for `createAgent`.
 *
 * - Before each model call: refused (`AgentStoppedError`, wrapped by LangChain in a
 *   `MiddlewareError`; `haltStopOf(error)` finds it) while the agent is killed or paused; a
 *   kill during the call ends it at once. The call's `usage_metadata` is recorded as cost at
 *   `pricing`, in a `halt.generation` span on `tracer`.
 * - Before each tool call: the gateway is asked (`tool.<name>` unless `actions` says
 *   otherwise, the tool's args as payload). A refusal becomes the tool's result (a
 *   `ToolMessage` with status `error`) so the model is told; a stopped agent ends the run.
 * - A call that needs a person interrupts the graph with a `HaltApprovalInterrupt`; on resume
 *   the gateway is asked again under that approval: approved, the tool runs once; denied,
 *   the model is told; still pending, the graph is interrupted again.
 *
 * @example
 * createAgent({ model, tools, checkpointer: new MemorySaver(), middleware: [haltMiddleware({ halt })] });
 */
export const haltMiddleware = (options: HaltMiddlewareOptions) => {
  checkGateOptions(options);
  const { halt } = options;
  const telemetry = adapterTelemetry(options);
  /** Approvals this middleware interrupted for, by thread and tool call (a resume re-runs the node). */
  const pending = new Map<string, Pending>();

  return createMiddleware({
    name: HALT_MIDDLEWARE_NAME,

    wrapModelCall: async (request, handler) => {
      assertMayRun(halt);
      const model = (request.model as { model?: unknown; modelName?: unknown }).model ?? (request.model as { modelName?: unknown }).modelName;
      return telemetry.span(SPAN.generation, typeof model === 'string' ? { [ATTR.requestModel]: model } : {}, async (span) => {
        // The model node takes its signal from the run's config (`signal: halt.signal`); this
        // ends the step at once on a kill even when the caller did not pass it.
        const response = await untilKilled(halt, Promise.resolve(handler(request)));
        const usage = AIMessage.isInstance(response) ? response.usage_metadata : undefined;
        if (usage) recordUsage(options, { inputTokens: usage.input_tokens, outputTokens: usage.output_tokens }, span);
        return response;
      });
    },

    wrapToolCall: async (request, handler) => {
      const { toolCall } = request;
      const callId = toolCall.id;
      const key = `${String(request.runtime.configurable?.thread_id ?? '')}\u0000${callId ?? toolCall.name}`;
      const held = pending.get(key);
      let decision: ToolDecision;
      if (held) {
        // Re-run on resume: go straight back to the interrupt (it returns the resume value).
        decision = { admitted: false, action: '', code: 'approval_required', message: '', approvalId: held.approvalId };
      } else {
        decision = await askGateway(options, toolCall.name, toolCall.args, { ...(callId ? { callId } : {}) });
      }
      while (!decision.admitted && decision.code === 'approval_required' && decision.approvalId && !options.waitForApproval) {
        const approvalId = decision.approvalId;
        pending.set(key, { approvalId });
        const value: HaltApprovalInterrupt = {
          type: 'halt.approval',
          approvalId,
          action: decision.action,
          tool: toolCall.name,
          args: toolCall.args,
          ...(callId ? { toolCallId: callId } : {}),
          message: decision.message,
        };
        interrupt(value);
        // Resumed: Halt decides, whatever the resume value says.
        decision = await askGateway(options, toolCall.name, toolCall.args, { ...(callId ? { callId } : {}), approvalId, waitForApproval: false });
        if (decision.admitted || decision.code !== 'approval_required') pending.delete(key);
      }
      if (!decision.admitted) return refusal(toolCall.name, callId, decision);
      assertMayRun(halt);
      return handler(request);
    },
  });
};

/** The Halt approvals a run was interrupted for (`result.__interrupt__` of `invoke`). */
export const haltApprovals = (result: unknown): HaltApprovalInterrupt[] => {
  const interrupts = (result as { __interrupt__?: Array<{ value?: unknown }> } | undefined)?.__interrupt__ ?? [];
  return interrupts
    .map((i) => i.value)
    .filter((v): v is HaltApprovalInterrupt => typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'halt.approval');
};

const RESUME_VALUE = { type: 'halt.resume' } as const;

/**
 * The command that resumes a run interrupted for Halt approvals. The middleware asks the
 * gateway again under each approval: the resume value carries nothing Halt trusts. Pass the
 * interrupted result to resume each of its Halt interrupts by id (several tool calls held at
 * once); other interrupts of yours need a `Command` of your own.
 */
export const haltResume = (interrupted?: unknown): Command => {
  const interrupts = (interrupted as { __interrupt__?: Array<{ id?: string; value?: unknown }> } | undefined)?.__interrupt__ ?? [];
  const ids = interrupts.filter((i) => typeof i.id === 'string' && (i.value as { type?: unknown } | undefined)?.type === 'halt.approval').map((i) => i.id as string);
  if (ids.length === 0) return new Command({ resume: RESUME_VALUE });
  return new Command({ resume: Object.fromEntries(ids.map((id) => [id, RESUME_VALUE])) });
};

/**
 * Wait for an operator's decision on one approval, woken by the pushed decision (a
 * `HaltAgent` with its WebSocket open). Resolves with the status (`approved`, `denied`,
 * `expired`, `cancelled`), or with `pending` when the agent's WebSocket reconnected meanwhile
 * (a decision pushed while it was down is not pushed again): resume either way, the gateway
 * decides, and a call still pending interrupts the run again. Rejects with
 * `ApprovalTimeoutError` after `timeoutMs`, with the agent's stop when it is killed, or with
 * `signal`'s reason.
 */
export const waitForHaltDecision = (options: {
  readonly halt: HaltGuard & {
    on(event: 'approval', listener: (decision: { approvalId: string; status: ApprovalStatus }) => void): unknown;
    off(event: 'approval', listener: (decision: { approvalId: string; status: ApprovalStatus }) => void): unknown;
    on(event: 'connected', listener: () => void): unknown;
    off(event: 'connected', listener: () => void): unknown;
  };
  readonly approvalId: string;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}): Promise<ApprovalStatus> => {
  const { halt, approvalId, timeoutMs, signal } = options;
  if (!(timeoutMs > 0)) return Promise.reject(new RangeError('timeoutMs must be more than 0'));
  return new Promise<ApprovalStatus>((resolve, reject) => {
    const stop = withKill(halt, signal);
    const done = () => {
      clearTimeout(timer);
      halt.off('approval', onDecision);
      halt.off('connected', onReconnect);
      stop.removeEventListener('abort', onAbort);
    };
    const onDecision = (decision: { approvalId: string; status: ApprovalStatus }) => {
      if (decision.approvalId !== approvalId || decision.status === 'pending') return;
      done();
      resolve(decision.status);
    };
    const onReconnect = () => {
      done();
      resolve('pending');
    };
    const onAbort = () => {
      done();
      reject(halt.signal.aborted ? stoppedError(halt) : stop.reason);
    };
    const timer = setTimeout(() => {
      done();
      reject(new ApprovalTimeoutError(approvalId, timeoutMs));
    }, timeoutMs);
    if (stop.aborted) return onAbort();
    halt.on('approval', onDecision);
    halt.on('connected', onReconnect);
    stop.addEventListener('abort', onAbort, { once: true });
  });
};

/**
 * The `AgentStoppedError` behind a run's failure, if it was Halt that ended it (LangChain wraps
 * middleware errors in `MiddlewareError`, with the original as `cause`).
 */
export const haltStopOf = (error: unknown): AgentStoppedError | undefined => {
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 10; depth += 1) {
    if (current instanceof AgentStoppedError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
};
