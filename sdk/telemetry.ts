/**
 * Halt's decisions as OpenTelemetry spans on the caller's tracer. The SDK brings no exporter and
 * no OpenTelemetry runtime of its own: it only calls the `Tracer` it is given (from
 * `@opentelemetry/api`'s `trace.getTracer(…)`), so an agent that sends no telemetry pays nothing
 * and one that does sees Halt's spans beside its framework's. Attribute names follow the GenAI
 * semantic conventions where one exists (`gen_ai.agent.id`, `gen_ai.tool.name`,
 * `gen_ai.tool.call.id`, `gen_ai.request.model`, `gen_ai.usage.*`) and are `halt.*` otherwise.
 * The span and attribute names are listed in docs/integrations.md.
 */
import type { Span, Tracer } from '@opentelemetry/api';
import { HaltApiError } from './errors';
import type { IntentResult } from './protocol/types';

/** Attribute names (a change is a breaking change for dashboards built on them). */
export const ATTR = {
  agentId: 'gen_ai.agent.id',
  toolName: 'gen_ai.tool.name',
  toolCallId: 'gen_ai.tool.call.id',
  requestModel: 'gen_ai.request.model',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  instanceId: 'halt.instance.id',
  action: 'halt.action',
  /** `admitted`, `refused`, `would_refuse` (shadow mode: admitted), or `error` (no answer). */
  decision: 'halt.decision',
  /** The gateway's code: `agent_killed`, `action_denied`, `approval_required`, … */
  code: 'halt.refusal.code',
  intentId: 'halt.intent.id',
  approvalId: 'halt.approval.id',
  costUsd: 'halt.cost_usd',
  status: 'halt.status',
  version: 'halt.version',
  reason: 'halt.reason',
} as const;

/** Span names. */
export const SPAN = {
  /** One intent asked of the gateway (one per send: a wait for approval is one span per try). */
  intent: 'halt.intent',
  /** The agent's status moved (a kill, pause or resume reached this instance). */
  statusChange: 'halt.status_change',
  /** A model call under an adapter: refused, cut by a kill, or finished with its usage priced. */
  generation: 'halt.generation',
} as const;

/** `SpanStatusCode.ERROR` of `@opentelemetry/api` (kept here so the SDK needs the package only for types). */
const STATUS_ERROR = 2;

export type HaltAttributes = Readonly<Record<string, string | number | boolean>>;

/** Halt's spans for one agent (or none, without a tracer). */
export class HaltTelemetry {
  public constructor(
    private readonly tracer: Tracer | undefined,
    private readonly base: HaltAttributes,
  ) {}

  public get enabled(): boolean {
    return this.tracer !== undefined;
  }

  /**
   * Ask the gateway inside a `halt.intent` span: the decision, the intent or approval id and
   * the refusal's code become attributes. A refusal ends the span without an error status (the
   * gateway did its job); a failure to get an answer sets ERROR.
   */
  public async intent(action: string, attributes: HaltAttributes, ask: () => Promise<IntentResult>): Promise<IntentResult> {
    if (!this.tracer) return ask();
    return this.tracer.startActiveSpan(SPAN.intent, { attributes: { ...this.base, ...attributes, [ATTR.action]: action } }, async (span) => {
      try {
        const result = await ask();
        span.setAttributes({
          [ATTR.decision]: result.wouldRefuse ? 'would_refuse' : 'admitted',
          [ATTR.intentId]: result.intentId,
          ...(result.wouldRefuse ? { [ATTR.code]: result.wouldRefuse.code } : {}),
        });
        return result;
      } catch (error) {
        recordDecisionError(span, error);
        throw error;
      } finally {
        span.end();
      }
    });
  }

  /** A moment worth a record of its own (a status change): a span that ends at once. */
  public instant(name: string, attributes: HaltAttributes): void {
    this.tracer?.startSpan(name, { attributes: { ...this.base, ...attributes } }).end();
  }

  /**
   * Run `work` in a span (`fn` gets it to add attributes and events); an error thrown ends it
   * with ERROR, unless it is a Halt refusal (`refused`).
   */
  public async span<T>(name: string, attributes: HaltAttributes, work: (span: Span | undefined) => Promise<T>): Promise<T> {
    if (!this.tracer) return work(undefined);
    return this.tracer.startActiveSpan(name, { attributes: { ...this.base, ...attributes } }, async (span) => {
      try {
        return await work(span);
      } catch (error) {
        recordDecisionError(span, error);
        throw error;
      } finally {
        span.end();
      }
    });
  }

  /** A span started now and ended by the caller (a stream's life). */
  public start(name: string, attributes: HaltAttributes): Span | undefined {
    return this.tracer?.startSpan(name, { attributes: { ...this.base, ...attributes } });
  }
}

/** A refusal (any Halt API error with a code) is a decision; anything else is an error. */
export const recordDecisionError = (span: Span, error: unknown): void => {
  if (error instanceof HaltApiError && (error.status === 403 || error.status === 429)) {
    span.setAttributes({ [ATTR.decision]: 'refused', [ATTR.code]: error.code, ...(error.approval ? { [ATTR.approvalId]: error.approval.approvalId } : {}) });
    return;
  }
  const stopped = error as { name?: unknown; status?: unknown };
  if (stopped?.name === 'AgentStoppedError' && typeof stopped.status === 'string') {
    span.setAttributes({ [ATTR.decision]: 'refused', [ATTR.code]: `agent_${stopped.status}` });
    return;
  }
  span.setAttributes({ [ATTR.decision]: 'error' });
  span.setStatus({ code: STATUS_ERROR, message: error instanceof Error ? error.message : String(error) });
  if (error instanceof Error) span.recordException(error);
};
