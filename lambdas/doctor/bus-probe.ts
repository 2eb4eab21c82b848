/** The bus probe: records each event about a doctor agent (the bus rule sends only those). */
import type { Context, EventBridgeEvent } from 'aws-lambda';
import type { DependencyProvider } from '../config/dependencies';
import { lazyHandler } from '../config/lazy-handler';
import { isDoctorEvent } from './doctor-events';

type HaltEvent = EventBridgeEvent<string, { agentId?: string; version?: number }>;

export const createBusProbe = (provider: DependencyProvider) => {
  const deps = provider();
  return async (event: HaltEvent, _context: Context): Promise<void> => {
    // The rule already filters; a direct invocation with anything else changes nothing.
    if (!isDoctorEvent(event) || !event.detail.agentId) return;
    await deps.doctorEvents.recordDoctorEvent({
      eventId: event.id,
      detailType: event['detail-type'],
      agentId: event.detail.agentId,
      ...(typeof event.detail.version === 'number' ? { version: event.detail.version } : {}),
      time: event.time,
      seenAt: new Date().toISOString(),
    });
  };
};

export const handler = lazyHandler(createBusProbe);
