/**
 * What every framework adapter shares: the Halt side an adapter talks to (a `HaltAgent`, or the
 * middy middleware's `context.halt`), how a tool call becomes an intent, what the model is told
 * when the gateway refuses one, and how token usage becomes cost. Each adapter
 * (`ai-sdk.ts`, `openai-agents.ts`, `langchain.ts`) maps its framework's hooks onto these.
 */
import type { Span, Tracer } from '@opentelemetry/api';
import { AgentStoppedError, IntentRefusedError } from '../errors';
import type { IntentResult } from '../protocol/types';
import { ATTR, HaltTelemetry, type HaltAttributes } from '../telemetry';
import type { WaitForApprovalOptions } from '../wait-for-approval';

/**
 * The Halt side of an adapter: `HaltAgent` and the middleware's `context.halt` both fit.
 * `signal` aborts when the agent is killed (its reason an `AgentStoppedError`).
 */
export interface HaltGuard {
  readonly signal: AbortSignal;
  /** `HaltAgent`: true while killed, paused or unreachable (a paused agent makes no new model call). */
  readonly shouldStop?: boolean;
  /** `HaltAgent`: the status, to name it in the error when `shouldStop` holds. */
  readonly status?: unknown;
  readonly version?: number;
  readonly reason?: string | null;
  readonly agentId?: string;
  intent(
    action: string,
    options?: {
      costUsd?: number;
      to?: string;
      payload?: unknown;
      approvalId?: string;
      waitForApproval?: WaitForApprovalOptions;
      attributes?: HaltAttributes;
    },
  ): Promise<IntentResult>;
  recordCost(costUsd: number): void;
}

/** Dollars per million tokens, to turn a model call's usage into cost (`recordCost`). */
export interface TokenPricing {
  readonly inputUsdPerMillionTokens: number;
  readonly outputUsdPerMillionTokens: number;
}

/** How tool calls become intents; shared by every adapter. */
export interface ToolGateOptions {
  /** The agent's Halt side: `HaltAgent` or the middleware's `context.halt`. */
  readonly halt: HaltGuard;
  /**
   * The action a tool call is asked as (what policies, approvals and fleet action kills match).
   * A record maps tool names; a tool not in it (or without the option) is `tool.<name>`.
   */
  readonly actions?: Readonly<Record<string, string>> | ((toolName: string) => string);
  /** The call's declared cost in USD (counted against the budget when admitted). */
  readonly cost?: (toolName: string, input: unknown) => number | undefined;
  /** Another agent the call is for (refused while that agent is killed or paused). */
  readonly to?: (toolName: string, input: unknown) => string | undefined;
  /**
   * A call that needs a person: wait up to `timeoutMs` for the decision (woken by the push)
   * and run the tool once approved. Without it, the model is told the call awaits approval.
   * Adapters whose framework has its own approval step (`needsApproval`, interrupts) use that.
   */
  readonly waitForApproval?: WaitForApprovalOptions;
  /** Model usage priced as cost (`recordCost`), for adapters that see the usage. */
  readonly pricing?: TokenPricing;
  /** Your OpenTelemetry tracer, for the adapter's own `halt.generation` spans. */
  readonly tracer?: Tracer;
}

/** What the gateway said about one tool call. */
export type ToolDecision =
  | { readonly admitted: true; readonly action: string; readonly intentId: string; readonly wouldRefuse?: { code: string; message: string } }
  | {
      readonly admitted: false;
      readonly action: string;
      readonly code: string;
      readonly message: string;
      /** On `approval_required`: the approval that holds this exact call. */
      readonly approvalId?: string;
    };

export const actionFor = (options: Pick<ToolGateOptions, 'actions'>, toolName: string): string => {
  const { actions } = options;
  if (typeof actions === 'function') return actions(toolName);
  return actions?.[toolName] ?? `tool.${toolName}`;
};

/** The error to end a run with when the agent is stopped: the kill's own reason when there is one. */
export const stoppedError = (halt: HaltGuard): AgentStoppedError => {
  const reason: unknown = halt.signal.reason;
  if (reason instanceof AgentStoppedError) return reason;
  const status = halt.status === 'paused' || halt.status === 'unreachable' ? halt.status : 'killed';
  return new AgentStoppedError(status, halt.version, halt.reason ?? null);
};

/** A signal aborted by the kill (`halt.signal`) or by the caller's own signal, when there is one. */
export const withKill = (halt: Pick<HaltGuard, 'signal'>, callerSignal: AbortSignal | undefined): AbortSignal =>
  callerSignal ? AbortSignal.any([halt.signal, callerSignal]) : halt.signal;

/** Throw when the agent may not start new work (killed: signal aborted; paused or unreachable: `shouldStop`). */
export const assertMayRun = (halt: HaltGuard): void => {
  if (halt.signal.aborted || halt.shouldStop) throw stoppedError(halt);
};

/**
 * Ask the gateway about one tool call. A refusal the model should hear about comes back as a
 * decision; a stopped agent (killed, paused), an unreachable control plane or an approval wait
 * that timed out throws: the run must end, not carry on around it.
 */
export const askGateway = async (
  options: ToolGateOptions,
  toolName: string,
  input: unknown,
  call: { readonly callId?: string; readonly approvalId?: string; readonly waitForApproval?: WaitForApprovalOptions | false } = {},
): Promise<ToolDecision> => {
  const { halt } = options;
  assertMayRun(halt);
  const action = actionFor(options, toolName);
  const costUsd = options.cost?.(toolName, input);
  const to = options.to?.(toolName, input);
  const wait = call.waitForApproval === false ? undefined : (call.waitForApproval ?? options.waitForApproval);
  try {
    const result = await halt.intent(action, {
      payload: input ?? null,
      ...(costUsd !== undefined ? { costUsd } : {}),
      ...(to !== undefined ? { to } : {}),
      ...(call.approvalId ? { approvalId: call.approvalId } : {}),
      ...(wait ? { waitForApproval: wait } : {}),
      attributes: { [ATTR.toolName]: toolName, ...(call.callId ? { [ATTR.toolCallId]: call.callId } : {}) },
    });
    return { admitted: true, action, intentId: result.intentId, ...(result.wouldRefuse ? { wouldRefuse: result.wouldRefuse } : {}) };
  } catch (error) {
    if (error instanceof IntentRefusedError) {
      if (error.code === 'agent_killed' || error.code === 'agent_paused') {
        throw halt.signal.reason instanceof AgentStoppedError
          ? halt.signal.reason
          : new AgentStoppedError(error.code === 'agent_killed' ? 'killed' : 'paused', halt.version, error.message);
      }
      return { admitted: false, action, code: error.code, message: error.message, ...(error.approval ? { approvalId: error.approval.approvalId } : {}) };
    }
    // Unreachable (HaltUnreachableError), an approval wait that timed out, anything else: the run ends.
    throw error;
  }
};

/**
 * What the model is told instead of the tool's result when the gateway refuses a call: the
 * tool did not run, why, and whether trying again can help.
 */
export const refusalMessage = (toolName: string, decision: Extract<ToolDecision, { admitted: false }>): string => {
  const head = `Halt refused the call to tool "${toolName}" (action ${decision.action}): ${decision.code}: ${decision.message}.`;
  if (decision.code === 'approval_required' && decision.approvalId) {
    return `${head} The tool did not run. It is held for a person's approval (${decision.approvalId}); do not call it again until told it was approved.`;
  }
  return `${head} The tool did not run; do not call it again for this task.`;
};

/** The cost of a model call's usage at `pricing` (0 without pricing or usage). */
export const usageCostUsd = (pricing: TokenPricing | undefined, usage: { inputTokens?: number | undefined; outputTokens?: number | undefined }): number => {
  if (!pricing) return 0;
  const input = Number.isFinite(usage.inputTokens) ? (usage.inputTokens as number) : 0;
  const output = Number.isFinite(usage.outputTokens) ? (usage.outputTokens as number) : 0;
  return (input * pricing.inputUsdPerMillionTokens + output * pricing.outputUsdPerMillionTokens) / 1_000_000;
};

/** Record a model call's usage as cost, and put the tokens and the cost on its span when there is one. */
export const recordUsage = (
  options: Pick<ToolGateOptions, 'halt' | 'pricing'>,
  usage: { inputTokens?: number | undefined; outputTokens?: number | undefined },
  span?: Span,
): number => {
  const cost = usageCostUsd(options.pricing, usage);
  if (cost > 0) options.halt.recordCost(cost);
  span?.setAttributes({
    ...(usage.inputTokens !== undefined ? { [ATTR.inputTokens]: usage.inputTokens } : {}),
    ...(usage.outputTokens !== undefined ? { [ATTR.outputTokens]: usage.outputTokens } : {}),
    [ATTR.costUsd]: cost,
  });
  return cost;
};

/** The adapter's own spans (`halt.generation`), on the caller's tracer. */
export const adapterTelemetry = (options: Pick<ToolGateOptions, 'halt' | 'tracer'>): HaltTelemetry =>
  new HaltTelemetry(options.tracer, options.halt.agentId ? { [ATTR.agentId]: options.halt.agentId } : {});

/** Validate the options every adapter takes, with errors that name the field. */
export const checkGateOptions = (options: ToolGateOptions): void => {
  if (!options || typeof options.halt?.intent !== 'function' || !(options.halt.signal instanceof AbortSignal)) {
    throw new TypeError('halt: pass a HaltAgent (or the middleware\'s context.halt) as options.halt');
  }
  const pricing = options.pricing;
  if (pricing && !(pricing.inputUsdPerMillionTokens >= 0 && pricing.outputUsdPerMillionTokens >= 0)) {
    throw new RangeError('pricing: inputUsdPerMillionTokens and outputUsdPerMillionTokens must be numbers, 0 or more');
  }
};
