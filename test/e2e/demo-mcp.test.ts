/** `npm run demo -- --mcp`, small: a sender that ignores the kill sends nothing after it through the MCP gateway. */
import { runMcpDemo } from '../../bench/demo-mcp';

describe('the demo with the sender as an MCP tool behind Halt', () => {
  it('refuses every call of a sender that ignores the kill, and the provider sends nothing after it', async () => {
    const result = await runMcpDemo({ killAfter: 30, keepCallingMs: 1_000 });
    expect(result.sentBeforeKill).toBeGreaterThanOrEqual(30);
    expect(result.callsAfterKill).toBeGreaterThan(0);
    expect(result.refusedAfterKill).toBe(result.callsAfterKill);
    expect(result.refusalCode).toBe('agent_killed');
    expect(result.sentAfterKill).toBe(0);
  }, 120_000);
});
