/**
 * Instances: one item per running copy of an agent (under the agent's key), written by
 * heartbeats, `$connect`/`$disconnect` and acknowledgements. An acknowledgement is one
 * conditional write and the only write that sets the acknowledgement mark, which the stream's
 * event filter looks for; every other write removes it.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { InstancePresence, InstanceRecord } from '../../ports/records';
import type { AgentRepository } from '../../ports/repository';
import { DAY_SECONDS, epochSeconds, type Item, type TableAccess } from './table-access';
import { ACK_MARK, keys, PREFIX } from './table-schema';

/** An instance that has not heartbeated for a day is forgotten. */
const INSTANCE_TTL = DAY_SECONDS;

const toInstance = (item: Item): InstanceRecord => ({
  agentId: item.agentId,
  instanceId: item.instanceId,
  region: item.region,
  firstSeenAt: item.firstSeenAt,
  lastHeartbeatAt: item.lastHeartbeatAt,
  acknowledgedVersion: item.acknowledgedVersion,
  ignoringReportedVersion: item.ignoringReportedVersion,
  ...(typeof item.connectionId === 'string' ? { connectionId: item.connectionId, connectedAt: item.connectedAt as string } : {}),
});

export const instanceItems = (table: TableAccess) => {
  const update = (key: Item, input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName' | 'Key'>) =>
    table.client.send(new UpdateCommand({ TableName: table.tableName, Key: key, ...input }));

  /** Register or refresh an instance seen at `at`, setting `extra` too (and removing the acknowledgement mark). */
  const register = async (instance: Pick<InstanceRecord, 'agentId' | 'instanceId' | 'region'>, at: string, extra: Record<string, string | number | undefined>) => {
    const fields = Object.entries(extra).filter(([, value]) => value !== undefined);
    await update(keys.instance(instance.agentId, instance.instanceId), {
      UpdateExpression:
        'SET agentId = :agentId, instanceId = :instanceId, #region = :region, lastHeartbeatAt = :at, ' +
        `firstSeenAt = if_not_exists(firstSeenAt, :at), expiresAt = :expiresAt${fields.map(([name]) => `, ${name} = :${name}`).join('')} ` +
        `REMOVE ${ACK_MARK}`,
      ExpressionAttributeNames: { '#region': 'region' },
      ExpressionAttributeValues: {
        ':agentId': instance.agentId,
        ':instanceId': instance.instanceId,
        ':region': instance.region,
        ':at': at,
        ':expiresAt': epochSeconds(at) + INSTANCE_TTL,
        ...Object.fromEntries(fields.map(([name, value]) => [`:${name}`, value])),
      },
    });
  };

  return {
    putInstance: (instance: InstanceRecord) =>
      register(instance, instance.lastHeartbeatAt, instance.acknowledgedVersion !== undefined ? { acknowledgedVersion: instance.acknowledgedVersion } : {}),
    connectInstance: (presence: InstancePresence) => register(presence, presence.at, { connectionId: presence.connectionId, connectedAt: presence.at }),
    getInstance: async (agentId: string, instanceId: string) => {
      const item = await table.get(keys.instance(agentId, instanceId), { consistent: false });
      return item ? toInstance(item) : undefined;
    },
    listInstances: async (agentId: string) => (await table.queryPrefix(keys.agent(agentId).pk, PREFIX.instance)).map(toInstance),
    acknowledgeInstance: (options: { agentId: string; instanceId: string; version: number; at: string }) =>
      table.conditionally(() =>
        update(keys.instance(options.agentId, options.instanceId), {
          // The mark lets the stream's event filter pass this write (and no heartbeat's).
          UpdateExpression: `SET acknowledgedVersion = :version, lastHeartbeatAt = :at, expiresAt = :expiresAt, ${ACK_MARK} = :at`,
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(acknowledgedVersion) OR acknowledgedVersion < :version)',
          ExpressionAttributeValues: { ':version': options.version, ':at': options.at, ':expiresAt': epochSeconds(options.at) + INSTANCE_TTL },
        }),
      ),
    disconnectInstance: (presence: Omit<InstancePresence, 'region'>) =>
      table.conditionally(() =>
        update(keys.instance(presence.agentId, presence.instanceId), {
          UpdateExpression: `SET lastHeartbeatAt = :at, expiresAt = :expiresAt REMOVE connectionId, connectedAt, ${ACK_MARK}`,
          ConditionExpression: 'connectionId = :connectionId',
          ExpressionAttributeValues: { ':at': presence.at, ':connectionId': presence.connectionId, ':expiresAt': epochSeconds(presence.at) + INSTANCE_TTL },
        }),
      ),
    markInstanceIgnoring: (agentId: string, instanceId: string, version: number) =>
      table.conditionally(() =>
        update(keys.instance(agentId, instanceId), {
          UpdateExpression: `SET ignoringReportedVersion = :version REMOVE ${ACK_MARK}`,
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(ignoringReportedVersion) OR ignoringReportedVersion < :version)',
          ExpressionAttributeValues: { ':version': version },
        }),
      ),
  } satisfies Pick<
    AgentRepository,
    'putInstance' | 'connectInstance' | 'getInstance' | 'listInstances' | 'acknowledgeInstance' | 'disconnectInstance' | 'markInstanceIgnoring'
  >;
};
