/** `npm run demo`, small: every record sent once, none after the kill's batches, 3 of 3 stopped. */
import { runDemo } from '../../bench/demo';
import type { BarState } from '../../bench/progress-bars';

describe('the 9 AM incident demo (small)', () => {
  it('kills three instances in two regions and resumes with no email twice and none missing', async () => {
    const seen: BarState[][] = [];
    const result = await runDemo({ records: 1_500, killAt: 600, fast: true, onProgress: (bars) => seen.push(bars.map((b) => ({ ...b }))) });
    expect(result).toMatchObject({ records: 1_500, sent: 1_500, duplicates: 0, missing: 0, acknowledged: 3, instances: 3 });
    expect(result.auditTypes).toEqual(['agent_created', 'approval_requested', 'approval_denied', 'killed', 'resumed']);
    // the campaign's send to the whole list was held for a person and denied: the agent was refused
    expect(result.wholeList).toMatchObject({ status: 'denied', refusedWith: 'approval_denied' });
    // in the region that took the kill, no batch asked after the kill call answered got through
    expect(result.acceptedAfterKillInKillingRegion).toBe(0);
    // every batch went through the gateway with its cost: 1,500 emails at $0.0001
    expect(result.costUsd).toBeCloseTo(0.15, 6);
    expect(result.timeline.map((t) => t.what)).toEqual(
      expect.arrayContaining([expect.stringMatching(/kill$/), expect.stringMatching(/^3 of 3 instances stopped/), expect.stringMatching(/^resumed/)]),
    );
    // a bar per instance: each shown stopped by the kill at some tick, and finished at the end
    expect(result.bars.map((b) => [b.label, b.done, b.total, b.state])).toEqual([
      ['i-1 (local-1)', 500, 500, 'done'],
      ['i-2 (local-1)', 500, 500, 'done'],
      ['i-3 (local-2)', 500, 500, 'done'],
    ]);
    for (const label of ['i-1 (local-1)', 'i-2 (local-1)', 'i-3 (local-2)']) {
      expect(seen.some((tick) => tick.some((b) => b.label === label && b.state.startsWith('stopped')))).toBe(true);
    }
  }, 180_000); // ~25 s alone; beside the bundling test and the fault tests on 2 cores, over a minute in CI
});
