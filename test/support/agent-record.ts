/** An active agent as stored, created at 09:00 on 2026-12-02, for the domain's unit tests. */
import type { AgentRecord } from '../../lambdas/ports/records';

export const agentRecord = (overrides: Partial<AgentRecord> & Pick<AgentRecord, 'agentId'>): AgentRecord => ({
  name: overrides.agentId,
  tags: [],
  status: 'active',
  version: 1,
  statusChangedAt: '2026-12-02T09:00:00.000Z',
  statusChangedBy: 'ops',
  statusReason: null,
  policy: {},
  createdAt: '2026-12-02T09:00:00.000Z',
  lastChange: { type: 'agent_created', actor: 'ops', reason: null, at: '2026-12-02T09:00:00.000Z', fromStatus: null, toStatus: 'active', region: 'local-1' },
  deleted: false,
  ...overrides,
});
