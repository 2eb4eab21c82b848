/**
 * An agent's status read straight from the state table's regional replica, for agents that run
 * in Halt's own account (Lambda-hosted agents behind `haltMiddleware`): one eventually
 * consistent query of the agent item and its stop markers (half a read unit for a small item, a
 * few milliseconds), instead of a REST heartbeat through API Gateway and two Lambda
 * invocations. The function's role may read its own agent's items and nothing else
 * (`dynamodb:LeadingKeys`, see `protectedFunctionStatements` in infra/constructs/protect.ts).
 */
import { DynamoDBClient, QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { HaltApiError } from './errors';
import { decidingStop, type StopMarkerFields } from './protocol/stop-markers';
import type { AgentStatus } from './protocol/schemas';
import type { HeartbeatResult } from './protocol/types';

export interface DirectStatusOptions {
  /** The state table (`HALT_STATE_TABLE`, set by the stack's `protect`). */
  readonly tableName: string;
  /** The replica's region. @default the function's own (`AWS_REGION`) */
  readonly region?: string;
  /** A DynamoDB client of your own (its region wins). */
  readonly client?: DynamoDBClient;
}

interface StoredAgent {
  readonly status: AgentStatus;
  readonly version: number;
  readonly statusReason?: string | null;
  readonly createdAt: string;
  readonly deleted?: boolean;
  readonly foldedStops?: Record<string, number>;
  readonly policy?: { readonly failMode?: 'closed' | 'open' };
}

type StoredMarker = StopMarkerFields & { readonly reason: string };

export class DirectStatusReader {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;

  public constructor(options: DirectStatusOptions) {
    this.tableName = options.tableName;
    this.client = options.client ?? new DynamoDBClient({ ...(options.region ? { region: options.region } : {}), maxAttempts: 2 });
  }

  /** The agent's status as the gateways see it (its stop markers applied), or a 404 `HaltApiError`. */
  public async read(agentId: string, options: { signal?: AbortSignal } = {}): Promise<HeartbeatResult> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :agent)',
        ExpressionAttributeValues: { ':pk': { S: `AGENT#${agentId}` }, ':agent': { S: 'AGENT' } },
        // Eventually consistent: half the price, and a kill arrives within about a second anyway.
        ConsistentRead: false,
      }),
      options.signal ? { abortSignal: options.signal } : {},
    );
    const items = (Items ?? []).map((item) => unmarshall(item as Record<string, AttributeValue>));
    const agent = items.find((item) => item.sk === 'AGENT') as (StoredAgent & { sk: string }) | undefined;
    if (!agent || agent.deleted) throw new HaltApiError(404, 'agent_not_found', `agent "${agentId}" does not exist (or was deleted)`);
    const stops = items.filter((item) => String(item.sk).startsWith('AGENT#STOP#')) as unknown as StoredMarker[];
    const failMode = agent.policy?.failMode ?? 'closed';
    const marker = decidingStop({ status: agent.status, createdAt: agent.createdAt, ...(agent.foldedStops ? { foldedStops: agent.foldedStops } : {}), stops });
    if (marker) {
      return { status: marker.action === 'kill' ? 'killed' : 'paused', version: agent.version + 1, reason: marker.reason, failMode };
    }
    return {
      status: agent.status,
      version: agent.version,
      ...(agent.status !== 'active' && agent.statusReason ? { reason: agent.statusReason } : {}),
      failMode,
    };
  }
}
