import { DEGRADED_WITHIN_MS, HEALTHY_WITHIN_MS, healthFrom, planTransition } from '../../../lambdas/core/agent-state';
import { InvalidTransitionError } from '../../../lambdas/core/errors';

describe('agent state', () => {
  describe('planTransition', () => {
    it.each([
      ['active', 'kill', true, 'killed', 'killed'],
      ['paused', 'kill', true, 'killed', 'killed'],
      ['killed', 'kill', false, 'killed', 'killed'],
      ['active', 'pause', true, 'paused', 'paused'],
      ['paused', 'pause', false, 'paused', 'paused'],
      ['killed', 'resume', true, 'active', 'resumed'],
      ['paused', 'resume', true, 'active', 'resumed'],
      ['active', 'resume', false, 'active', 'resumed'],
    ] as const)('%s + %s → changed=%s, %s (%s)', (from, action, changed, toStatus, eventType) => {
      expect(planTransition(from, action)).toEqual({ changed, toStatus, eventType });
    });

    it('refuses to pause a killed agent, saying how to get there', () => {
      expect(() => planTransition('killed', 'pause')).toThrow(InvalidTransitionError);
      expect(() => planTransition('killed', 'pause')).toThrow(/resume it first/);
    });
  });

  describe('healthFrom', () => {
    const now = new Date('2026-11-24T09:05:00.000Z');
    const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();

    it('is unknown without a heartbeat', () => {
      expect(healthFrom(undefined, now)).toBe('unknown');
      expect(healthFrom(null, now)).toBe('unknown');
    });

    it('follows the thresholds of the contract (90 s, 300 s)', () => {
      expect(HEALTHY_WITHIN_MS).toBe(90_000);
      expect(DEGRADED_WITHIN_MS).toBe(300_000);
      expect(healthFrom(ago(0), now)).toBe('healthy');
      expect(healthFrom(ago(89_999), now)).toBe('healthy');
      expect(healthFrom(ago(90_000), now)).toBe('degraded');
      expect(healthFrom(ago(300_000), now)).toBe('degraded');
      expect(healthFrom(ago(300_001), now)).toBe('unreachable');
    });
  });
});
