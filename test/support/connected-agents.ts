/**
 * Agents created through the API and started against a test runtime, their WebSocket
 * connected before the test goes on; each is closed after the file's last test. Call it
 * before `useTestRuntime()` (pass a getter of the runtime) so the agents close before the
 * runtime is disposed (jest runs `afterAll` hooks in the order they were declared).
 */
import type { HaltAgent, HaltAgentOptions } from '../../sdk/agent';
import { HaltClient } from '../../sdk/operator-client';
import type { Approval, Policy } from '../../sdk/protocol/types';
import { agentIn, waitFor, type TestRuntime } from './local-runtime';

export interface ConnectedAgents {
  /** An operator client of the runtime's first region. */
  operator(): HaltClient;
  /** A new agent with `policy` and one instance (`i-1`, unless `options` say), connected over WebSocket. */
  connected(agentId: string, policy?: Policy, options?: Partial<HaltAgentOptions>): Promise<HaltAgent>;
  /** An agent the test made itself, closed with the others. */
  track(agent: HaltAgent): HaltAgent;
  /** The agent's first pending approval, once there is one. */
  pendingApproval(agentId: string): Promise<Approval>;
}

export const useConnectedAgents = (runtime: () => TestRuntime): ConnectedAgents => {
  const started: HaltAgent[] = [];
  afterAll(async () => {
    await Promise.all(started.map((agent) => agent.close()));
  });
  const operator = () => new HaltClient({ url: runtime().runtime.restUrl, key: runtime().operatorKey });
  const track = (agent: HaltAgent) => {
    started.push(agent);
    return agent;
  };
  return {
    operator,
    track,
    connected: async (agentId, policy = {}, options = {}) => {
      const created = await runtime().api('POST', '/v1/agents', { body: { agentId, policy } });
      expect(created.status).toBe(201);
      const { agent } = agentIn(runtime(), { key: created.body.agentKey, agentId, instanceId: 'i-1', ...options });
      track(agent);
      await agent.start();
      await waitFor(async () => (await operator().getAgent({ agentId })).instanceList.some((i) => i.connected), { what: `${agentId}'s WebSocket` });
      return agent;
    },
    pendingApproval: (agentId) =>
      waitFor(async () => (await operator().listApprovals({ status: 'pending', agentId })).approvals[0], { what: `a pending approval of ${agentId}` }),
  };
};
