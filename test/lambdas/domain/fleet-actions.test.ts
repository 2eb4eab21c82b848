import type { Caller, DomainContext } from '../../../lambdas/domain/context';
import { checkFleetActions, effectiveKilled, foldFleetMarkers, killAction, resumeAction } from '../../../lambdas/domain/fleet-actions';
import type { AgentRepository } from '../../../lambdas/ports/repository';
import { memoryRepository } from '../../support/memory-repository';

const operator: Caller = { keyId: 'key_1', name: 'ops', role: 'operator' };

/** A repository whose every call fails as an unreachable region's does. */
const unreachable = new Proxy({} as AgentRepository, {
  get: () => async () => {
    throw Object.assign(new Error('connect ECONNREFUSED'), { name: 'TimeoutError' });
  },
});

describe('fleet action kills with the write region down', () => {
  const shared = memoryRepository();
  /** local-2, whose write region (local-1) does not answer. */
  const cutOff: DomainContext = {
    repository: shared,
    now: () => new Date('2026-12-02T09:00:00.000Z'),
    region: 'local-2',
    regions: { writeRegion: 'local-1', writer: unreachable, replicas: [{ region: 'local-2', repository: shared }] },
  };
  /** The write region itself, back (same data, as after replication). */
  const writeRegion: DomainContext = { repository: shared, now: () => new Date('2026-12-02T09:10:00.000Z'), region: 'local-1' };

  it('kills by the region\'s marker, refuses at once, and folds it in once; a glob lifted after folding is not killed again by a later marker', async () => {
    const answer = await killAction(cutOff, operator, { action: 'email.*', reason: 'template breaks the law' });
    expect(answer).toMatchObject({ action: 'email.*', enforcedIn: ['local-2'], pendingIn: ['local-1'] });
    const afterKill = await shared.getFleetActions();
    expect(() => checkFleetActions(afterKill, 'email.send')).toThrow(/killed for every agent/);
    await expect(resumeAction(cutOff, operator, { action: 'email.*', reason: 'too early' })).rejects.toMatchObject({ statusCode: 503 });

    const folded = await foldFleetMarkers(writeRegion);
    expect(folded).toMatchObject({ version: 1, killed: [expect.objectContaining({ action: 'email.*' })], lastChange: { type: 'action_killed', region: 'local-2' }, foldedStops: { 'local-2': 1 } });
    // Folding again changes nothing.
    expect((await foldFleetMarkers(writeRegion)).version).toBe(1);

    await resumeAction(writeRegion, operator, { action: 'email.*', reason: 'fixed' });
    await killAction(cutOff, operator, { action: 'sms.*', reason: 'carrier outage' });
    const later = await shared.getFleetActions();
    expect(effectiveKilled(later).map((k) => k.action)).toEqual(['sms.*']);
    expect(() => checkFleetActions(later, 'email.send')).not.toThrow();
  });
});
