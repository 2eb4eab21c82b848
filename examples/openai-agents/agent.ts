/**
 * An email-campaign agent on the OpenAI Agents SDK, guarded by Halt. Its model is scripted (no
 * network, no API key): it keeps calling `send_email`, one customer a turn, and never stops by
 * itself. After five emails the example kills the agent as an operator would
 * (`npm run halt -- kill openai-agents-campaign --reason ...` does the same from another
 * terminal); the run ends at once and no further email is sent.
 *
 *   npm start                         # the control plane, in another terminal
 *   npm run example:openai-agents
 */
import { Agent, setTracingDisabled, tool, Usage, type AgentOutputItem, type Model, type ModelRequest, type ModelResponse } from '@openai/agents';
import { z } from 'zod';
import { haltOpenAIAgents } from '../../sdk/adapters/openai-agents';
import { HaltAgent } from '../../sdk/agent';
import { AgentStoppedError } from '../../sdk/errors';
import { exampleAgent } from '../support';

const AGENT_ID = 'openai-agents-campaign';
const KILL_AFTER = 5;

/** A model that always wants one more email sent (what a runaway agent looks like). */
class RunawayCampaignModel implements Model {
  private turn = 0;

  public async getResponse(_request: ModelRequest): Promise<ModelResponse> {
    const turn = this.turn++;
    await new Promise((resolve) => setTimeout(resolve, 200));
    const call: AgentOutputItem = {
      type: 'function_call',
      callId: `call-${turn}`,
      name: 'send_email',
      arguments: JSON.stringify({ to: `customer-${turn + 1}@example.com`, subject: 'Winter sale' }),
      status: 'completed',
    };
    return { usage: new Usage({ requests: 1, inputTokens: 1_200, outputTokens: 80, totalTokens: 1_280 }), output: [call] };
  }

  public getStreamedResponse(): AsyncIterable<never> {
    throw new Error('this example does not stream');
  }
}

const main = async (): Promise<void> => {
  setTracingDisabled(true);
  const { url, wsUrl, operator, agentKey } = await exampleAgent(AGENT_ID, { budget: { maxIntentsPerHour: 100, onBreach: 'reject' } });
  const halt = new HaltAgent({ url, wsUrl, key: agentKey, agentId: AGENT_ID, instanceId: 'example-1', reportIntervalMs: 1_000, heartbeatIntervalMs: 1_000 });
  await halt.start();

  const gate = haltOpenAIAgents({ halt, pricing: { inputUsdPerMillionTokens: 2.5, outputUsdPerMillionTokens: 10 } });
  let sent = 0;
  const sendEmail = tool({
    name: 'send_email',
    description: 'Send one campaign email',
    parameters: z.object({ to: z.string(), subject: z.string() }),
    inputGuardrails: [gate.inputGuardrail],
    needsApproval: gate.needsApproval('send_email'),
    execute: async ({ to, subject }) => {
      sent += 1;
      console.log(`  sent "${subject}" to ${to}`);
      if (sent === KILL_AFTER) {
        console.log(`operator: killing ${AGENT_ID} after ${KILL_AFTER} emails`);
        void operator.kill({ agentId: AGENT_ID, reason: 'runaway campaign' });
      }
      return `sent to ${to}`;
    },
  });
  const agent = new Agent({ name: 'campaign', instructions: 'Email every customer about the winter sale.', model: new RunawayCampaignModel(), tools: [sendEmail] });

  console.log(`running ${AGENT_ID} (the model never stops by itself)`);
  const startedAt = Date.now();
  try {
    await gate.run(agent, 'Email every customer.', { maxTurns: 1_000 });
    console.log('the run ended by itself (unexpected)');
    process.exitCode = 1;
  } catch (error) {
    if (!(error instanceof AgentStoppedError)) throw error;
    console.log(`run stopped: ${error.message} (${sent} emails sent, ${((Date.now() - startedAt) / 1000).toFixed(1)} s)`);
  } finally {
    await halt.close();
  }
  const { status } = await operator.getAgent({ agentId: AGENT_ID });
  console.log(`${AGENT_ID} is ${status}; resume it with: npm run halt -- resume ${AGENT_ID} --reason "campaign checked"`);
};

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
