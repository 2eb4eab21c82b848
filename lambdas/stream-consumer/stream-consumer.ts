/**
 * Consumes the state table's stream (agent items only, by event filter): one audit event per
 * versioned change, then one event on the bus. Records are handled in order; once a record of
 * an agent fails, that agent's later records in the batch fail too, so its chain is never
 * written out of order. Failures are reported as `batchItemFailures`.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { AgentDetail } from '../../sdk/protocol/types';
import { getAgent } from '../core/agents';
import { recordAgentChange } from '../core/audit';
import { applyHardStop } from '../core/hard-stop';
import { controlMessage } from '../core/notifier';
import type { AgentRecord } from '../core/records';
import { environmentDependencies, type DependencyProvider } from '../config/dependencies';

export type StreamHandler = (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse>;

export class EarlierRecordFailedError extends Error {
  public constructor(agentId: string) {
    super(`an earlier record of agent ${agentId} failed in this batch; retrying in order`);
    this.name = 'EarlierRecordFailedError';
  }
}

const STATUS_CHANGES = new Set(['killed', 'paused', 'resumed']);

const image = (value: Record<string, unknown> | undefined): AgentRecord | undefined =>
  value ? (unmarshall(value as Record<string, AttributeValue>) as AgentRecord) : undefined;

export const createStreamConsumer = (provider: DependencyProvider): StreamHandler => {
  const deps = provider();
  const chain = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .handler(async (event) => {
      const failedAgents = new Set<string>();
      /**
       * Tell this region's connections (every region's consumer does this for its own). A
       * push that fails does not fail the record: the audit trail must not wait on a socket,
       * and instances also learn the change from their next heartbeat.
       */
      const announce = async (after: AgentRecord): Promise<void> => {
        const { notifier } = deps;
        if (!notifier) return;
        try {
          const loadView = () => getAgent(deps.ctx, after.agentId);
          let view: AgentDetail | undefined;
          if (STATUS_CHANGES.has(after.lastChange.type)) {
            if (after.lastChange.region !== deps.ctx.region) {
              // Another region took the change: this push is how instances here hear of it.
              await notifier.pushToAgent(after.agentId, controlMessage(after));
            } else {
              // This region took the change and its control call pushed at once: this is the
              // safety net for what that push missed, so instances that already acknowledged
              // are skipped (with a thousand instances, a second full push would double the
              // load of the kill).
              view = await loadView();
              const told = new Set(view.instanceList.filter((i) => (i.acknowledgedVersion ?? -1) >= after.version).map((i) => i.instanceId));
              await notifier.pushToAgent(after.agentId, controlMessage(after), { skipInstances: told });
            }
          }
          // The view is built only when someone watches (unless the push above needed it).
          if (!after.deleted) await notifier.pushToWatchers(view ?? loadView);
        } catch (error) {
          deps.logger.warn('could not announce a change', { agentId: after.agentId, version: after.version, error: error as Error });
        }
      };
      const processor = new BatchProcessor(EventType.DynamoDBStreams);
      const handleRecord = async (record: DynamoDBRecord): Promise<void> => {
        const keys = record.dynamodb?.Keys as Record<string, AttributeValue> | undefined;
        const agentId = (keys ? unmarshall(keys).pk : undefined)?.toString().replace(/^AGENT#/, '') ?? 'unknown';
        if (failedAgents.has(agentId)) throw new EarlierRecordFailedError(agentId);
        try {
          const before = image(record.dynamodb?.OldImage);
          const after = image(record.dynamodb?.NewImage);
          const outcome = await recordAgentChange({ ...deps.ctx, publisher: deps.publisher }, before, after);
          if (outcome === 'recorded') deps.logger.info('audit event recorded', { agentId, version: after?.version });
          if (outcome !== 'not_a_change' && after) {
            const hardStop = await applyHardStop({ ...deps.ctx, throttle: deps.throttle, store: deps.hardStopStore }, after);
            if (hardStop.action !== 'none') deps.logger.warn(`hard stop ${hardStop.action}`, { agentId, functions: hardStop.functions });
            await announce(after);
          }
        } catch (error) {
          failedAgents.add(agentId);
          deps.logger.error('audit record failed', { agentId, error: error as Error });
          throw error;
        }
      };
      return processPartialResponse(event, handleRecord, processor, {
        processInParallel: false,
        throwOnFullBatchFailure: false,
      });
    });
  return (event, context) => chain(event, context);
};

let built: StreamHandler | undefined;
export const handler: StreamHandler = (event, context) => {
  built ??= createStreamConsumer(environmentDependencies);
  return built(event, context);
};
