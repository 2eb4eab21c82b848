import {
  DEGRADED_WITHIN_MS,
  HEALTHY_WITHIN_MS,
  IGNORE_GRACE_MS,
  PRESENCE_MAX_MS,
  healthFrom,
  isConnected,
  isIgnoringStop,
  lastSeenAt,
  planTransition,
} from '../../../lambdas/domain/agent-state';
import { InvalidTransitionError } from '../../../lambdas/domain/errors';

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

  describe('presence', () => {
    const now = new Date('2026-11-26T09:00:00.000Z');
    const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();
    const longAgo = ago(DEGRADED_WITHIN_MS + 60_000);

    it('counts a held connection as a heartbeat now, however old the last one', () => {
      const instance = { lastHeartbeatAt: longAgo, connectionId: 'c1', connectedAt: ago(3_600_000) };
      expect(isConnected(instance, now)).toBe(true);
      expect(lastSeenAt(instance, now)).toBe(now.toISOString());
      expect(healthFrom(lastSeenAt(instance, now), now)).toBe('healthy');
    });

    it('ignores presence older than API Gateway lets a connection live, and ages from the last contact', () => {
      const stale = { lastHeartbeatAt: longAgo, connectionId: 'c1', connectedAt: ago(PRESENCE_MAX_MS + 1) };
      expect(isConnected(stale, now)).toBe(false);
      expect(healthFrom(lastSeenAt(stale, now), now)).toBe('unreachable');
      expect(isConnected({}, now)).toBe(false);
    });

    it('sees an instance still connected after the grace period, without acknowledging, as ignoring the stop', () => {
      const agent = { status: 'killed' as const, version: 4, statusChangedAt: ago(IGNORE_GRACE_MS + 1_000) };
      const connected = { lastHeartbeatAt: ago(3_600_000), connectionId: 'c1', connectedAt: ago(3_600_000) };
      expect(isIgnoringStop(agent, connected, now)).toBe(true);
      expect(isIgnoringStop(agent, { ...connected, acknowledgedVersion: 4 }, now)).toBe(false);
      // gone before the kill: not ignoring, just gone
      expect(isIgnoringStop(agent, { lastHeartbeatAt: ago(3_600_000) }, now)).toBe(false);
      // still within the grace period
      expect(isIgnoringStop({ ...agent, statusChangedAt: ago(1_000) }, connected, now)).toBe(false);
    });
  });
});
