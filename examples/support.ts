/**
 * What every framework example needs from a running `npm start`: the control plane's URLs, an
 * operator key (HALT_OPERATOR_KEY, else the local runtime's `.halt/operator.key`), and an
 * agent of its own with a fresh agent key (created on the first run; a new key on later runs,
 * since a key is shown only once).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HaltApiError } from '../sdk/errors';
import { HaltClient } from '../sdk/operator-client';
import type { Policy } from '../sdk/protocol/types';

export interface ExampleAgent {
  url: string;
  wsUrl: string;
  operator: HaltClient;
  agentKey: string;
}

export const exampleAgent = async (agentId: string, policy: Policy): Promise<ExampleAgent> => {
  const url = process.env.HALT_URL ?? 'http://127.0.0.1:4700/v1';
  const wsUrl = process.env.HALT_WS_URL ?? 'ws://127.0.0.1:4701';
  const keyFile = join(process.env.HALT_STATE_DIR ?? '.halt', 'operator.key');
  const operatorKey = process.env.HALT_OPERATOR_KEY ?? (existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : undefined);
  if (!operatorKey) throw new Error(`no operator key: start the control plane first (npm start), or set HALT_OPERATOR_KEY (looked in ${keyFile})`);
  const operator = new HaltClient({ url, key: operatorKey });
  try {
    const { agentKey } = await operator.createAgent({ agentId, name: agentId, policy });
    return { url, wsUrl, operator, agentKey };
  } catch (error) {
    if (!(error instanceof HaltApiError) || error.status !== 409) throw error;
  }
  // Run before: the same policy again, resumed, and a new key for this run.
  await operator.setPolicy({ agentId, policy });
  const agent = await operator.getAgent({ agentId });
  if (agent.status !== 'active') await operator.resume({ agentId, reason: `example ${agentId} started again` });
  const { key } = await operator.createKey({ name: `${agentId} example run`, role: 'agent', agentId });
  return { url, wsUrl, operator, agentKey: key };
};
