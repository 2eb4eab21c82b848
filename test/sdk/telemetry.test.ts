/**
 * Halt's spans on a real OpenTelemetry tracer (the SDK's BasicTracerProvider, spans kept in
 * memory): the gateway's decision, its code and ids land as attributes; a refusal is not an
 * error, a failure to get an answer is.
 */
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AgentStoppedError, HaltUnreachableError, IntentRefusedError } from '../../sdk/errors';
import { ATTR, HaltTelemetry, SPAN } from '../../sdk/telemetry';
import { askGateway, refusalMessage, usageCostUsd, type HaltGuard } from '../../sdk/adapters/guard';

const setup = () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { exporter, tracer: provider.getTracer('halt-test') };
};

describe('HaltTelemetry', () => {
  it('records an admitted intent, a shadow refusal and a refusal as decisions, and a failure as an error', async () => {
    const { exporter, tracer } = setup();
    const telemetry = new HaltTelemetry(tracer, { [ATTR.agentId]: 'mailer', [ATTR.instanceId]: 'i-1' });

    await telemetry.intent('email.send', { [ATTR.toolName]: 'send_email' }, async () => ({ intentId: 'int-1' }));
    await telemetry.intent('email.send', {}, async () => ({ intentId: 'int-2', wouldRefuse: { code: 'budget_exceeded', message: 'over' } }));
    await expect(
      telemetry.intent('email.send_all', {}, async () => {
        throw new IntentRefusedError(403, 'approval_required', 'needs a person', { approval: { approvalId: 'apr-1', status: 'pending', expiresAt: '2026-12-03T00:00:00Z' } });
      }),
    ).rejects.toThrow('needs a person');
    await expect(
      telemetry.intent('email.send', {}, async () => {
        throw new HaltUnreachableError('no answer');
      }),
    ).rejects.toThrow('no answer');

    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual([SPAN.intent, SPAN.intent, SPAN.intent, SPAN.intent]);
    expect(spans[0]?.attributes).toMatchObject({ 'gen_ai.agent.id': 'mailer', 'halt.instance.id': 'i-1', 'gen_ai.tool.name': 'send_email', 'halt.action': 'email.send', 'halt.decision': 'admitted', 'halt.intent.id': 'int-1' });
    expect(spans[1]?.attributes).toMatchObject({ 'halt.decision': 'would_refuse', 'halt.refusal.code': 'budget_exceeded' });
    expect(spans[2]?.attributes).toMatchObject({ 'halt.decision': 'refused', 'halt.refusal.code': 'approval_required', 'halt.approval.id': 'apr-1' });
    expect(spans[2]?.status.code).toBe(0); // a refusal is the gateway doing its job, not an error
    expect(spans[3]?.attributes).toMatchObject({ 'halt.decision': 'error' });
    expect(spans[3]?.status.code).toBe(2);
  });

  it('costs nothing without a tracer', async () => {
    const telemetry = new HaltTelemetry(undefined, {});
    expect(telemetry.enabled).toBe(false);
    expect(await telemetry.intent('a', {}, async () => ({ intentId: 'x' }))).toEqual({ intentId: 'x' });
    expect(telemetry.start('s', {})).toBeUndefined();
  });
});

describe('the adapters’ guard', () => {
  const guard = (answer: () => Promise<{ intentId: string }>, calls: unknown[] = []): HaltGuard => ({
    signal: new AbortController().signal,
    intent: async (action, options) => {
      calls.push({ action, ...options });
      return answer();
    },
    recordCost: () => undefined,
  });

  it('asks the gateway with the tool input as payload, the mapped action, cost and recipient', async () => {
    const calls: unknown[] = [];
    const decision = await askGateway(
      { halt: guard(async () => ({ intentId: 'int-9' }), calls), actions: { send_email: 'email.send' }, cost: () => 0.01, to: (_, input) => (input as { to: string }).to },
      'send_email',
      { to: 'list-1' },
      { callId: 'call-1' },
    );
    expect(decision).toEqual({ admitted: true, action: 'email.send', intentId: 'int-9' });
    expect(calls).toEqual([
      { action: 'email.send', payload: { to: 'list-1' }, costUsd: 0.01, to: 'list-1', attributes: { 'gen_ai.tool.name': 'send_email', 'gen_ai.tool.call.id': 'call-1' } },
    ]);
  });

  it('hands a refusal back to tell the model, and throws when the agent is stopped', async () => {
    const denied = await askGateway({ halt: guard(async () => Promise.reject(new IntentRefusedError(403, 'action_denied', 'email.* is denied'))) }, 'send_email', {});
    expect(denied).toMatchObject({ admitted: false, action: 'tool.send_email', code: 'action_denied' });
    if (denied.admitted) throw new Error('expected a refusal');
    expect(refusalMessage('send_email', denied)).toContain('did not run');
    await expect(askGateway({ halt: guard(async () => Promise.reject(new IntentRefusedError(403, 'agent_killed', 'agent killed: bad template'))) }, 'send_email', {})).rejects.toBeInstanceOf(
      AgentStoppedError,
    );
    const killed = new AbortController();
    killed.abort(new AgentStoppedError('killed', 4, 'bad template'));
    const calls: unknown[] = [];
    await expect(askGateway({ halt: { ...guard(async () => ({ intentId: 'x' }), calls), signal: killed.signal } }, 'send_email', {})).rejects.toThrow('agent killed: bad template');
    expect(calls).toEqual([]); // a killed agent does not even ask
  });

  it('prices usage per million tokens', () => {
    expect(usageCostUsd({ inputUsdPerMillionTokens: 3, outputUsdPerMillionTokens: 15 }, { inputTokens: 1_000, outputTokens: 2_000 })).toBeCloseTo(0.033, 10);
    expect(usageCostUsd(undefined, { inputTokens: 1_000 })).toBe(0);
    expect(usageCostUsd({ inputUsdPerMillionTokens: 3, outputUsdPerMillionTokens: 15 }, { inputTokens: Number.NaN })).toBe(0);
  });
});
