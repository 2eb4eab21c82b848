/**
 * An email-campaign agent on the Vercel AI SDK, guarded by Halt. Its model is scripted (no
 * network, no API key): it keeps calling `send_email`, one customer a step, and never stops by
 * itself. Kill it from another terminal while it runs:
 *
 *   npm run halt -- kill ai-sdk-campaign --reason "wrong mailing list"
 *
 * If nobody does within twenty emails, the example kills it as an operator would. Either way the
 * run ends at once, and no email goes out after the kill.
 *
 *   npm start                         # the control plane, in another terminal
 *   npm run example:ai-sdk
 */
import { generateText, isStepCount, tool } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { z } from 'zod';
import { withHalt } from '../../sdk/adapters/ai-sdk';
import { HaltAgent } from '../../sdk/agent';
import { AgentStoppedError } from '../../sdk/errors';
import { exampleAgent } from '../support';

const AGENT_ID = 'ai-sdk-campaign';
const KILL_AFTER = 20;
const STEP_MS = 500;

/** A model that always wants one more email sent (what a runaway agent looks like). */
const runawayCampaignModel = (): MockLanguageModelV4 => {
  let step = 0;
  return new MockLanguageModelV4({
    modelId: 'scripted-campaign-model',
    doGenerate: async () => {
      step += 1;
      await new Promise((resolve) => setTimeout(resolve, STEP_MS));
      return {
        content: [{ type: 'tool-call', toolCallId: `call-${step}`, toolName: 'send_email', input: JSON.stringify({ to: `customer-${step}@example.com`, subject: 'Winter sale' }) }],
        finishReason: { unified: 'tool-calls', raw: undefined },
        usage: {
          inputTokens: { total: 1_200, noCache: 1_200, cacheRead: undefined, cacheWrite: undefined },
          outputTokens: { total: 80, text: 80, reasoning: undefined },
        },
        warnings: [],
      };
    },
  });
};

const main = async (): Promise<void> => {
  const { url, wsUrl, operator, agentKey } = await exampleAgent(AGENT_ID, { budget: { maxIntentsPerHour: 100, onBreach: 'reject' } });
  const halt = new HaltAgent({ url, wsUrl, key: agentKey, agentId: AGENT_ID, instanceId: 'example-1', reportIntervalMs: 1_000, heartbeatIntervalMs: 1_000 });
  await halt.start();

  let sent = 0;
  const { model, tools } = withHalt(
    runawayCampaignModel(),
    {
      send_email: tool({
        description: 'Send one campaign email',
        inputSchema: z.object({ to: z.string(), subject: z.string() }),
        execute: async ({ to, subject }) => {
          sent += 1;
          console.log(`  sent "${subject}" to ${to}`);
          if (sent === KILL_AFTER) {
            console.log(`operator: nobody killed ${AGENT_ID}; killing it after ${KILL_AFTER} emails`);
            void operator.kill({ agentId: AGENT_ID, reason: 'runaway campaign' });
          }
          return `sent to ${to}`;
        },
      }),
    },
    { halt, actions: { send_email: 'email.send' }, pricing: { inputUsdPerMillionTokens: 2.5, outputUsdPerMillionTokens: 10 } },
  );

  console.log(`running ${AGENT_ID} (the model never stops by itself); kill it with:`);
  console.log(`  npm run halt -- kill ${AGENT_ID} --reason "wrong mailing list"`);
  const startedAt = Date.now();
  try {
    await generateText({ model, tools, prompt: 'Email every customer about the winter sale.', stopWhen: isStepCount(1_000), maxRetries: 0, abortSignal: halt.signal });
    console.log('the run ended by itself (unexpected)');
    process.exitCode = 1;
  } catch (error) {
    const stopped = error instanceof AgentStoppedError ? error : halt.signal.reason;
    if (!(stopped instanceof AgentStoppedError)) throw error;
    console.log(`run stopped: ${stopped.message} (${sent} emails sent, ${((Date.now() - startedAt) / 1000).toFixed(1)} s)`);
  } finally {
    await halt.close();
  }
  const { status, costTodayUsd } = await operator.getAgent({ agentId: AGENT_ID });
  console.log(`${AGENT_ID} is ${status} (model cost today $${costTodayUsd.toFixed(4)}); resume it with: npm run halt -- resume ${AGENT_ID} --reason "campaign checked"`);
};

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
