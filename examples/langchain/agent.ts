/**
 * A LangChain.js email-campaign agent under Halt, with a scripted model (no network, no API
 * key): the model keeps calling `send_email`, Halt's middleware asks the gateway before each
 * send, and an operator kills the agent mid-campaign. The run ends at once: no tool call
 * starts after the kill, and the email being prepared when it landed checks the run's signal
 * and is not sent.
 *
 *   npm start                      # the control plane, in another terminal
 *   npm run example:langchain
 */
import { AIMessage, createAgent, fakeModel, tool } from 'langchain';
import { z } from 'zod';
import { HaltAgent } from '../../sdk/agent';
import { haltMiddleware, haltStopOf } from '../../sdk/adapters/langchain';
import { exampleAgent } from '../support';

const AGENT_ID = 'langchain-email-campaign';
const KILL_AFTER_EMAILS = 5;

const main = async (): Promise<void> => {
  const { url, wsUrl, operator, agentKey } = await exampleAgent(AGENT_ID, { budget: { maxIntentsPerHour: 1_000, onBreach: 'pause' } });
  const halt = new HaltAgent({ url, wsUrl, key: agentKey, agentId: AGENT_ID, instanceId: 'example-1', reportIntervalMs: 1_000 });
  await halt.start();

  // A model that never stops mailing: one more `send_email` call per turn, with usage to price.
  const model = fakeModel();
  for (let turn = 1; turn <= 100; turn += 1) {
    model.respond(
      new AIMessage({
        content: '',
        tool_calls: [{ id: `call-${turn}`, name: 'send_email', args: { to: `customer-${turn}@example.com` }, type: 'tool_call' }],
        usage_metadata: { input_tokens: 800, output_tokens: 40, total_tokens: 840 },
      }),
    );
  }

  let sent = 0;
  /** When the kill call answered: from then on the gateway admits no call of this agent. */
  let killAnsweredAt = Infinity;
  let startedAfterKill = 0;
  const sendEmail = tool(
    async ({ to }: { to: string }, config) => {
      if (Date.now() > killAnsweredAt) startedAfterKill += 1;
      await new Promise((r) => setTimeout(r, 200)); // rendering the email
      // A tool admitted just before the kill may still be running when it lands: check the
      // run's signal (the kill's) before the step that cannot be undone.
      if (config.signal?.aborted) {
        console.log(`  not sent to ${to}: the agent was stopped while the email was being prepared`);
        return 'not sent: the agent was stopped';
      }
      sent += 1;
      console.log(`  sent #${sent} to ${to}`);
      // The operator's side, scripted here: someone notices the runaway campaign.
      if (sent === KILL_AFTER_EMAILS) {
        console.log(`operator: kill ${AGENT_ID} ("campaign sent to the wrong list")`);
        void operator.kill({ agentId: AGENT_ID, reason: 'campaign sent to the wrong list' }).then(() => (killAnsweredAt = Date.now()));
      }
      return `sent to ${to}`;
    },
    { name: 'send_email', description: 'Send the campaign email to one address', schema: z.object({ to: z.string() }) },
  );

  const agent = createAgent({
    model,
    tools: [sendEmail],
    middleware: [
      haltMiddleware({
        halt,
        actions: { send_email: 'email.send' },
        pricing: { inputUsdPerMillionTokens: 3, outputUsdPerMillionTokens: 15 },
      }),
    ],
  });

  console.log(`${AGENT_ID}: sending the winter sale…`);
  try {
    await agent.invoke({ messages: [{ role: 'user', content: 'Send the winter sale to every customer' }] }, { signal: halt.signal, recursionLimit: 500 });
    console.log('the run finished without being stopped (unexpected)');
    process.exitCode = 1;
  } catch (error) {
    const stop = haltStopOf(error);
    if (!stop) throw error;
    console.log(`run stopped by Halt: ${stop.message}`);
  }
  const sentAtStop = sent;
  await new Promise((r) => setTimeout(r, 1_000));
  console.log(`${sent} emails sent in all; ${sent - sentAtStop} after the stop; ${startedAfterKill} tool calls started after the kill answered; ${model.callCount} model calls`);
  await halt.close();
  const usage = await operator.getUsage({ agentId: AGENT_ID, days: 1 });
  const today = usage.days.at(-1);
  if (today) console.log(`operator sees today: ${today.intents} intents, $${today.costUsd.toFixed(4)} of model usage`);
  console.log(`resume it with: npm run halt -- resume ${AGENT_ID} --reason "list fixed"`);
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
