/**
 * The framework examples (`npm run example:<name>`) run as a user runs them, each in a Node of
 * its own loading TypeScript through tsx, against a running control plane: each runaway
 * campaign is killed mid-way by its scripted operator, ends at once with Halt's stop, sends
 * nothing after it, and leaves its agent killed with the model's usage priced as cost.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { HaltClient } from '../../sdk/operator-client';
import { useTestRuntime } from '../support/local-runtime';

const root = join(__dirname, '..', '..');

/** Run one example to its end; its exit code and what it printed. */
const runExample = (name: string, env: Record<string, string>): Promise<{ code: number | null; out: string }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'examples', name, 'agent.ts')], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });

describe('the framework examples (npm run example:<name>)', () => {
  const runtime = useTestRuntime({ warm: true });

  it('each runs against the control plane: killed mid-way by its operator, nothing sent after, its usage priced', async () => {
    const t = runtime();
    const env = { HALT_URL: t.runtime.restUrl, HALT_WS_URL: t.runtime.wsUrl, HALT_OPERATOR_KEY: t.operatorKey };
    // Side by side, as three terminals would.
    const [aiSdk, openaiAgents, langchain] = await Promise.all([runExample('ai-sdk', env), runExample('openai-agents', env), runExample('langchain', env)]);

    // Vercel AI SDK: the scripted operator kills after the 20th email; the run ends on it.
    expect(aiSdk.code).toBe(0);
    expect(aiSdk.out).toMatch(/run stopped: .*runaway campaign.* \(20 emails sent, /);
    expect(aiSdk.out).toContain('ai-sdk-campaign is killed');
    // OpenAI Agents SDK: killed after the 5th.
    expect(openaiAgents.code).toBe(0);
    expect(openaiAgents.out).toMatch(/run stopped: .*runaway campaign.* \(5 emails sent, /);
    expect(openaiAgents.out).toContain('openai-agents-campaign is killed');
    // LangChain.js: killed after the 5th; a second later nothing more sent, and no tool call
    // started after the kill answered (one admitted just before it may be running: its tool
    // checks the signal before sending, so the count can be 5 or, if it sent first, 6).
    expect(langchain.code).toBe(0);
    expect(langchain.out).toContain('run stopped by Halt');
    expect(langchain.out).toMatch(/\b[56] emails sent in all; 0 after the stop; 0 tool calls started after the kill answered;/);

    // What the operator sees: each agent killed by its operator, with the model's cost.
    const operator = new HaltClient({ url: t.runtime.restUrl, key: t.operatorKey });
    for (const agentId of ['ai-sdk-campaign', 'openai-agents-campaign', 'langchain-email-campaign']) {
      const agent = await operator.getAgent({ agentId });
      expect({ agentId, status: agent.status }).toEqual({ agentId, status: 'killed' });
      expect({ agentId, cost: agent.costTodayUsd > 0 }).toEqual({ agentId, cost: true });
    }
  }, 120_000);
});
