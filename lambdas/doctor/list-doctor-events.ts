/** `GET /v1/doctor/{agentId}/events`: what the bus probe saw of a doctor agent's events. */
import { z } from 'zod';
import { defineRoute } from '../edge/http/define-route';
import { DOCTOR_AGENT_PREFIX } from './doctor-events';

export const doctorEventsRoute = defineRoute(
  'doctorEvents',
  {
    summary: "Bus events of one of halt doctor's throwaway agents, as the bus probe recorded them",
    path: z.object({
      agentId: z.string().startsWith(DOCTOR_AGENT_PREFIX, `only halt doctor's agents (named ${DOCTOR_AGENT_PREFIX}…) have their bus events recorded`),
    }),
  },
  async ({ deps, path }) => ({ body: { events: (await deps.doctorEvents.listDoctorEvents(path.agentId)).sort((a, b) => a.time.localeCompare(b.time)) } }),
);

export const handler = doctorEventsRoute.handler;
