/**
 * Halt for the OpenAI Agents SDK (`@openai/agents`). One gate per agent process:
 *
 * - `gate.inputGuardrail`, a tool input guardrail: every tool call is asked at the gateway
 *   before it runs. Admitted, the tool runs; refused, the model is told why (`rejectContent`)
 *   and the tool does not run; a killed or paused agent ends the run (the guardrail throws).
 * - `gate.needsApproval(toolName)`, for a tool's `needsApproval`: true when the gateway holds
 *   this exact call for a person (`approval_required`), so the run pauses with an interruption.
 *   `gate.settleApprovals(result)` waits for the operators' decisions and approves or rejects
 *   the interruptions; `gate.run(agent, result.state)` then resumes the run, and the approved
 *   call is made under its approval (used once).
 * - `gate.run(agent, input, options)`: `run` with its signal tied to the kill, refused before it
 *   starts when the agent may not run, its token usage recorded as cost (`pricing`).
 *
 * A gate remembers, per tool call id, what the gateway answered in `needsApproval`, so the call
 * is asked once, not again in the guardrail. A run resumed in another process (a serialized
 * `RunState`) asks again: a call still held is then reported to the model as awaiting approval.
 *
 * @example
 * const gate = haltOpenAIAgents({ halt, pricing: { inputUsdPerMillionTokens: 2.5, outputUsdPerMillionTokens: 10 } });
 * const sendEmail = tool({ name: 'send_email', parameters, execute,
 *   inputGuardrails: [gate.inputGuardrail], needsApproval: gate.needsApproval('send_email') });
 * let result = await gate.run(agent, 'Send the winter campaign');
 * while (result.interruptions.length > 0) {
 *   await gate.settleApprovals(result);
 *   result = await gate.run(agent, result.state);
 * }
 */
import {
  defineToolInputGuardrail,
  run,
  RunContext,
  ToolCallError,
  ToolGuardrailFunctionOutputFactory,
  type Agent,
  type AgentInputItem,
  type NonStreamRunOptions,
  type RunResult,
  type RunState,
  type RunToolApprovalItem,
  type ToolInputGuardrailDefinition,
  type Usage,
} from '@openai/agents';
import { AgentStoppedError, ApprovalTimeoutError, HaltUnreachableError } from '../errors';
import type { WaitForApprovalOptions } from '../wait-for-approval';
import { askGateway, assertMayRun, checkGateOptions, recordUsage, refusalMessage, stoppedError, withKill, type ToolDecision, type ToolGateOptions } from './guard';

/** How long `settleApprovals` waits for a person, when neither it nor the gate is told. */
export const DEFAULT_APPROVAL_WAIT: WaitForApprovalOptions = { timeoutMs: 15 * 60_000 };

/** What `settleApprovals` needs of a run's result (any `RunResult` fits). */
export interface PausedRun {
  readonly interruptions: readonly RunToolApprovalItem[];
  readonly state: {
    approve(item: RunToolApprovalItem): void;
    reject(item: RunToolApprovalItem, options?: { message?: string }): void;
  };
}

/** What the gateway said about one call, between `needsApproval` and the guardrail. */
type Held =
  | { readonly kind: 'admitted' }
  | { readonly kind: 'refused'; readonly message: string }
  | { readonly kind: 'approval'; readonly approvalId: string; readonly toolName: string; readonly input: unknown };

export interface HaltOpenAIAgentsGate {
  /** Put it in every tool's `inputGuardrails`: the gateway admits each call before it runs. */
  readonly inputGuardrail: ToolInputGuardrailDefinition;
  /** A tool's `needsApproval`: true when Halt holds this exact call for a person. */
  needsApproval(toolName: string): (runContext: RunContext, input: unknown, callId?: string) => Promise<boolean>;
  /**
   * Wait for the decisions on the run's interruptions that Halt holds, and approve or reject
   * each on `result.state` (a denial's text goes to the model). Interruptions that are not
   * Halt's are left for the app. Throws when the agent is stopped or a wait times out.
   */
  settleApprovals(result: PausedRun, options?: { waitForApproval?: WaitForApprovalOptions }): Promise<{ approved: number; rejected: number }>;
  /** `AbortSignal.any([halt.signal, signal])`: aborted by the kill or by the caller. */
  signal(callerSignal?: AbortSignal): AbortSignal;
  /**
   * `run(agent, input, options)` with its signal tied to the kill: refuses to start when the
   * agent may not run, ends with the kill's `AgentStoppedError` when killed mid-run, and
   * records the run's token usage as cost (with `pricing`).
   */
  // The SDK's own bound on `run` (an agent of any context and output type).
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  run<TAgent extends Agent<any, any>, TContext = undefined>(
    agent: TAgent,
    input: string | AgentInputItem[] | RunState<TContext, TAgent>,
    options?: NonStreamRunOptions<TContext, TAgent>,
  ): Promise<RunResult<TContext, TAgent>>;
}

/** The tool call's arguments as the gateway's payload (the raw text when it is not JSON). */
const parseArguments = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
};

const tokensOf = (usage: Usage): { inputTokens: number; outputTokens: number } => ({ inputTokens: usage.inputTokens, outputTokens: usage.outputTokens });

/**
 * Halt's own error inside the SDK's wrapping (a guardrail's throw becomes a `ToolCallError`
 * whose `error` is it): a stopped agent, an unreachable control plane, an approval wait that
 * timed out.
 */
const haltErrorIn = (error: unknown): Error | undefined => {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    if (current instanceof AgentStoppedError || current instanceof HaltUnreachableError || current instanceof ApprovalTimeoutError) return current;
    current = current instanceof ToolCallError ? current.error : current.cause;
  }
  return undefined;
};

const refusedHeld = (toolName: string, decision: Extract<ToolDecision, { admitted: false }>): Held => ({ kind: 'refused', message: refusalMessage(toolName, decision) });

/**
 * A Halt gate for the OpenAI Agents SDK (see the file's comment). `options.waitForApproval`
 * is how long `settleApprovals` waits; the guardrail itself never waits for a person.
 */
export const haltOpenAIAgents = (options: ToolGateOptions): HaltOpenAIAgentsGate => {
  checkGateOptions(options);
  const { halt } = options;
  const held = new Map<string, Held>();

  const inputGuardrail = defineToolInputGuardrail({
    name: 'halt',
    run: async ({ toolCall }) => {
      const known = held.get(toolCall.callId);
      held.delete(toolCall.callId);
      if (known?.kind === 'admitted') {
        // Admitted in needsApproval (or under its approval): unless killed since, it runs.
        assertMayRun(halt);
        return ToolGuardrailFunctionOutputFactory.allow({ halt: 'admitted' });
      }
      if (known?.kind === 'refused') return ToolGuardrailFunctionOutputFactory.rejectContent(known.message, { halt: 'refused' });
      const decision = await askGateway(options, toolCall.name, parseArguments(toolCall.arguments), {
        callId: toolCall.callId,
        ...(known?.kind === 'approval' ? { approvalId: known.approvalId } : {}),
        waitForApproval: false,
      });
      if (decision.admitted) return ToolGuardrailFunctionOutputFactory.allow({ halt: 'admitted', intentId: decision.intentId });
      return ToolGuardrailFunctionOutputFactory.rejectContent(refusalMessage(toolCall.name, decision), { halt: decision.code });
    },
  });

  const needsApproval =
    (toolName: string) =>
    async (_runContext: RunContext, input: unknown, callId?: string): Promise<boolean> => {
      // Without a call id the guardrail asks on its own (and the model hears of a held call).
      if (!callId) return false;
      const decision = await askGateway(options, toolName, input, { callId, waitForApproval: false });
      if (decision.admitted) {
        held.set(callId, { kind: 'admitted' });
        return false;
      }
      if (decision.code === 'approval_required' && decision.approvalId) {
        held.set(callId, { kind: 'approval', approvalId: decision.approvalId, toolName, input });
        return true;
      }
      held.set(callId, refusedHeld(toolName, decision));
      return false;
    };

  const settleApprovals: HaltOpenAIAgentsGate['settleApprovals'] = async (result, settleOptions = {}) => {
    const wait = settleOptions.waitForApproval ?? options.waitForApproval ?? DEFAULT_APPROVAL_WAIT;
    const outcomes = await Promise.all(
      result.interruptions.map(async (item) => {
        const callId = item.rawItem.type === 'function_call' ? item.rawItem.callId : undefined;
        const known = callId ? held.get(callId) : undefined;
        if (!callId || known?.kind !== 'approval') return undefined;
        // The same call again under its approval, waiting for the decision: admitted once approved.
        const decision = await askGateway(options, known.toolName, known.input, { callId, approvalId: known.approvalId, waitForApproval: wait });
        if (decision.admitted) {
          held.set(callId, { kind: 'admitted' });
          result.state.approve(item);
          return 'approved' as const;
        }
        held.delete(callId);
        result.state.reject(item, { message: refusalMessage(known.toolName, decision) });
        return 'rejected' as const;
      }),
    );
    return { approved: outcomes.filter((o) => o === 'approved').length, rejected: outcomes.filter((o) => o === 'rejected').length };
  };

  const signal = (callerSignal?: AbortSignal): AbortSignal => withKill(halt, callerSignal);

  const runWithHalt: HaltOpenAIAgentsGate['run'] = async (agent, input, runOptions) => {
    assertMayRun(halt);
    // The run's context, held here so its usage can be read however the run ends: a kill
    // aborts it with the kill's error, which carries no run state. A resumed run has its own.
    const resumed = typeof input === 'object' && !Array.isArray(input);
    const context = resumed ? undefined : runOptions?.context instanceof RunContext ? runOptions.context : new RunContext(runOptions?.context);
    const usageNow = (): Usage => (resumed ? input.usage : (context as RunContext<unknown>).usage);
    const before = tokensOf(usageNow());
    /** The run's tokens since it (re)started, as cost. */
    const record = () => {
      const now = tokensOf(usageNow());
      recordUsage(options, { inputTokens: now.inputTokens - before.inputTokens, outputTokens: now.outputTokens - before.outputTokens });
    };
    let result;
    try {
      result = await run(agent, input, { ...runOptions, ...(context ? { context } : {}), stream: false, signal: signal(runOptions?.signal) });
    } catch (error) {
      // A failed or killed run still spent its tokens.
      record();
      // The kill's own error, whatever shape the SDK gave the abort or the guardrail's throw.
      if (halt.signal.aborted) throw stoppedError(halt);
      throw haltErrorIn(error) ?? error;
    }
    record();
    if (halt.signal.aborted) throw stoppedError(halt);
    return result;
  };

  return { inputGuardrail, needsApproval, settleApprovals, signal, run: runWithHalt };
};
