/**
 * `AgentRepository` (and the hard stop's store) over the single state table (see
 * docs/data-model.md): one module per kind of item, over the shared reads and writes of
 * `TableAccess`. It receives its DynamoDB document client, so Lambda, the local runtime and
 * tests each hand it theirs.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { HardStopStore } from '../../ports/hard-stop';
import type { AgentRepository } from '../../ports/repository';
import { agentItems } from './agent-items';
import { approvalItems } from './approval-items';
import { fleetItems } from './fleet-items';
import { mcpServerItems } from './mcp-server-items';
import { auditItems } from './audit-items';
import { checkpointItems } from './checkpoint-items';
import { hardStopItems } from './hard-stop-items';
import { doctorItems } from './doctor-items';
import { regionItems } from './region-items';
import type { DoctorEventStore } from '../../ports/doctor-events';
import { instanceItems } from './instance-items';
import { keyItems } from './key-items';
import { TableAccess, type TableAccessOptions } from './table-access';
import { usageItems } from './usage-items';

export type DynamoRepositoryOptions = TableAccessOptions;

export const createDynamoRepository = (options: DynamoRepositoryOptions): AgentRepository & HardStopStore & DoctorEventStore => {
  const table = new TableAccess(options);
  return {
    ...agentItems(table),
    ...instanceItems(table),
    ...usageItems(table),
    ...keyItems(table),
    ...checkpointItems(table),
    ...auditItems(table),
    ...hardStopItems(table),
    ...doctorItems(table),
    ...regionItems(table),
    ...fleetItems(table),
    ...approvalItems(table),
    ...mcpServerItems(table),
    ping: async () => {
      await table.client.send(new GetCommand({ TableName: table.tableName, Key: { pk: 'HEALTH', sk: 'HEALTH' } }));
    },
  };
};
