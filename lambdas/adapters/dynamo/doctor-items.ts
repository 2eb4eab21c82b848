/** Bus events of `halt doctor`'s agents, one item each, gone a day later (TTL). */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DoctorEvent, DoctorEventStore } from '../../ports/doctor-events';
import type { TableAccess } from './table-access';
import { keys } from './table-schema';

const DAY_SECONDS = 24 * 60 * 60;

export const doctorItems = (table: TableAccess) =>
  ({
    recordDoctorEvent: async (event: DoctorEvent) => {
      await table.client.send(
        new PutCommand({
          TableName: table.tableName,
          Item: { ...keys.doctorEvent(event.agentId, event.eventId), ...event, expiresAt: Math.floor(Date.parse(event.seenAt) / 1000) + DAY_SECONDS },
        }),
      );
    },
    listDoctorEvents: async (agentId: string) =>
      (await table.queryPartition(keys.doctorEvent(agentId, '').pk)).map((item) => ({
        eventId: String(item.eventId),
        detailType: String(item.detailType),
        agentId: String(item.agentId),
        ...(typeof item.version === 'number' ? { version: item.version } : {}),
        time: String(item.time),
        seenAt: String(item.seenAt),
      })),
  }) satisfies DoctorEventStore;
