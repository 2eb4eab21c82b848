/**
 * Consumes the state table's stream (agent items, stop markers, acknowledging instances and
 * revoked keys, by event filter): one audit event per versioned change, then one event on the bus;
 * stop markers folded into the history in the write region;
 * acknowledgements become one coalesced view for watchers per agent per batch; a revoked key's
 * connections in this region are closed. Records are handled in order; once a record of
 * an agent fails, that agent's later records in the batch fail too, so its chain is never
 * written out of order. Failures are reported as `batchItemFailures`.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { recordAgentChange, recordFleetChange } from '../domain/audit';
import { cancelOpenApprovals, toApprovalView } from '../domain/approvals';
import { foldFleetMarkers } from '../domain/fleet-actions';
import { APPROVAL_DECIDED, APPROVAL_REQUESTED } from '../ports/event-publisher';
import { applyHardStop, HARD_STOP_FAILED } from '../domain/hard-stop';
import type { AgentRecord, ApprovalRecord, FleetActionsRecord, FleetChange, FleetStopMarker, InstanceRecord, StopMarker } from '../ports/records';
import { keys as keysOf, PARTITION, PREFIX, STOP_MARKER_PREFIX } from '../adapters/dynamo/table-schema';
import { announceApproval, announceChange, announceFleetChange, announceProgress, announceStoredChange } from '../domain/announce-change';
import { foldStops } from '../domain/control';
import { isWriteRegion } from '../domain/regions';
import { effectiveAgent } from '../domain/stop-markers';
import { scheduleReminder } from '../domain/reminders';
import { ProgressTracker } from '../domain/progress';
import type { DependencyProvider } from '../config/dependencies';
import { lazyHandler } from '../config/lazy-handler';

/** Changes that stop an agent: its silent instances are reminded until they acknowledge. */
const STOPS = new Set(['killed', 'paused']);

export type StreamHandler = (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse>;

export class EarlierRecordFailedError extends Error {
  public constructor(agentId: string) {
    super(`an earlier record of agent ${agentId} failed in this batch; retrying in order`);
    this.name = 'EarlierRecordFailedError';
  }
}

/** A stream image as the record it stores (an agent, or an instance). */
const image = <T = AgentRecord>(value: Record<string, unknown> | undefined): T | undefined =>
  value ? (unmarshall(value as Record<string, AttributeValue>) as T) : undefined;

export const createStreamConsumer = (provider: DependencyProvider): StreamHandler => {
  const deps = provider();
  /** Acknowledgement progress, held across batches by this environment (domain/progress.ts). */
  const tracker = new ProgressTracker();
  const chain = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .handler(async (event) => {
      const failedAgents = new Set<string>();
      /** Agents with instances whose acknowledgement moved in this batch. */
      const progress = new Set<string>();
      /**
       * A push that fails does not fail the record: the audit trail must not wait on a socket,
       * and instances also learn the change from their next heartbeat.
       */
      const announce = async (after: AgentRecord): Promise<void> => {
        try {
          await announceStoredChange(deps.ctx, after, tracker);
        } catch (error) {
          deps.logger.warn('could not announce a change', { agentId: after.agentId, version: after.version, error: error as Error });
        }
      };
      /**
       * The hard stop, after the push. A function that cannot be braked fails neither the
       * record nor the others: it is logged as an error (the `HardStopFailures` alarm counts
       * those) and reported on the bus as `HardStopFailed`, where the audit archive keeps it.
       */
      const brake = async (after: AgentRecord): Promise<void> => {
        const hardStop = await applyHardStop({ ...deps.ctx, throttle: deps.throttle, store: deps.hardStopStore }, after);
        if (hardStop.action === 'none') return;
        if (hardStop.functions.length > 0) deps.logger.warn(`hard stop ${hardStop.action}`, { agentId: after.agentId, functions: hardStop.functions });
        if (hardStop.failed.length === 0) return;
        deps.logger.error(HARD_STOP_FAILED, { agentId: after.agentId, version: after.version, action: hardStop.action, failed: hardStop.failed });
        await deps.publisher
          .publish({ detailType: HARD_STOP_FAILED, detail: { agentId: after.agentId, version: after.version, action: hardStop.action, failed: hardStop.failed }, time: deps.ctx.now() })
          .catch((error: unknown) => deps.logger.error('could not report a hard stop failure on the bus', { agentId: after.agentId, error: error as Error }));
      };
      /**
       * An approval created or moved on: watchers and (for a decision) the agent's instances
       * here are told; the region that made the change puts it on the bus.
       */
      const handleApproval = async (before: ApprovalRecord | undefined, after: (ApprovalRecord & { hasPayload?: boolean }) | undefined): Promise<void> => {
        if (!after || before?.status === after.status) return;
        // A stream image carries its keys and flags: the payload is there only if the call had one.
        if (after.hasPayload !== true) delete after.payload;
        const view = toApprovalView(after, deps.ctx.now());
        await announceApproval(deps.ctx, view).catch((error: unknown) => deps.logger.warn('could not announce an approval', { approvalId: after.approvalId, error: error as Error }));
        if (after.changedIn !== deps.ctx.region || after.status === 'used') return;
        await deps.publisher.publish({ detailType: before ? APPROVAL_DECIDED : APPROVAL_REQUESTED, detail: view, time: deps.ctx.now() });
      };
      /** A fleet action kill or lift told to this region's connections; a failed push fails nothing. */
      const announceFleet = (change: FleetChange): Promise<unknown> =>
        announceFleetChange(deps.ctx, change).catch((error: unknown) => deps.logger.warn('could not announce an action kill', { action: change.action, error: error as Error }));
      const processor = new BatchProcessor(EventType.DynamoDBStreams);
      const handleRecord = async (record: DynamoDBRecord): Promise<void> => {
        const keys = record.dynamodb?.Keys ? unmarshall(record.dynamodb.Keys as Record<string, AttributeValue>) : {};
        if (record.eventName === 'REMOVE' && String(keys.pk ?? '').startsWith(PARTITION.keyById)) {
          // A key revoked (here, or in another region and replicated): its connections close.
          const keyId = String(keys.pk).slice(PARTITION.keyById.length);
          const closed = (await deps.closer?.closeConnectionsOfKey(keyId)) ?? 0;
          if (closed > 0) deps.logger.info('closed the connections of a revoked key', { keyId, closed });
          return;
        }
        if (String(keys.pk ?? '') === keysOf.fleetActions().pk) {
          if (String(keys.sk ?? '') === keysOf.fleetActions().sk) {
            // A fleet-wide action kill or lift: its audit event (fleet chain), then every connection here.
            const after = image<FleetActionsRecord>(record.dynamodb?.NewImage);
            const outcome = await recordFleetChange({ ...deps.ctx, publisher: deps.publisher }, image<FleetActionsRecord>(record.dynamodb?.OldImage), after);
            if (outcome !== 'not_a_change' && after?.lastChange) await announceFleet(after.lastChange);
          } else if (isWriteRegion(deps.ctx)) {
            // A region's fleet stop marker (the write region did not answer its kill): folded in here.
            await foldFleetMarkers(deps.ctx);
          } else {
            // Elsewhere, this region's connections hear of the marker's new globs now.
            const before = image<FleetStopMarker>(record.dynamodb?.OldImage)?.killed ?? [];
            for (const entry of image<FleetStopMarker>(record.dynamodb?.NewImage)?.killed ?? []) {
              if (!before.some((b) => b.action === entry.action)) await announceFleet({ type: 'action_killed', ...entry, region: deps.ctx.region });
            }
          }
          return;
        }
        if (String(keys.pk ?? '').startsWith(PARTITION.approval)) {
          await handleApproval(image<ApprovalRecord>(record.dynamodb?.OldImage), image<ApprovalRecord & { hasPayload?: boolean }>(record.dynamodb?.NewImage));
          return;
        }
        const agentId = String(keys.pk ?? 'unknown').replace(/^AGENT#/, '');
        if (String(keys.sk ?? '').startsWith(STOP_MARKER_PREFIX)) {
          // A region stopped the agent with a marker because the write region did not answer.
          // The write region folds it into the history (that change comes back through the
          // stream: audit event, pushes, brake); elsewhere, this region's instances hear of it now.
          if (isWriteRegion(deps.ctx)) {
            await foldStops(deps.ctx, agentId);
          } else if (image<StopMarker>(record.dynamodb?.NewImage)?.region !== deps.ctx.region) {
            const stored = await deps.ctx.repository.getAgent(agentId, { consistent: true });
            if (stored && !stored.deleted) {
              const stopped = effectiveAgent(stored);
              await announceChange(deps.ctx, stopped).catch((error: unknown) => deps.logger.warn('could not announce a stop marker', { agentId, error: error as Error }));
              await scheduleReminder(deps.ctx, stopped);
            }
          }
          return;
        }
        if (String(keys.sk ?? '').startsWith(PREFIX.instance)) {
          const before = image<Partial<InstanceRecord>>(record.dynamodb?.OldImage)?.acknowledgedVersion ?? -1;
          const instance = image<InstanceRecord>(record.dynamodb?.NewImage);
          if (instance && (instance.acknowledgedVersion ?? -1) > before) {
            tracker.acknowledged(instance);
            progress.add(agentId);
          }
          return;
        }
        if (failedAgents.has(agentId)) throw new EarlierRecordFailedError(agentId);
        try {
          const before = image(record.dynamodb?.OldImage);
          const after = image(record.dynamodb?.NewImage);
          const outcome = await recordAgentChange({ ...deps.ctx, publisher: deps.publisher }, before, after);
          if (outcome === 'recorded') deps.logger.info('audit event recorded', { agentId, version: after?.version });
          // Approval events (same version) are audited only: the approval item's own record tells.
          const versioned = after !== undefined && after.version > (before?.version ?? 0);
          if (outcome !== 'not_a_change' && after && versioned) {
            // Instances first: the brake is the slower, second line, and its failure must
            // not delay (or, retried, repeat) the push.
            await announce(after);
            // Told until it listens: silent instances of this region are reminded every 15 s.
            if (STOPS.has(after.lastChange.type)) {
              await scheduleReminder(deps.ctx, after);
              // A stop cancels the agent's open approvals (where approvals are written).
              if (isWriteRegion(deps.ctx)) await cancelOpenApprovals(deps.ctx, after);
            }
            await brake(after);
          }
        } catch (error) {
          failedAgents.add(agentId);
          deps.logger.error('audit record failed', { agentId, error: error as Error });
          throw error;
        }
      };
      const response = await processPartialResponse(event, handleRecord, processor, {
        processInParallel: false,
        throwOnFullBatchFailure: false,
      });
      // One progress message per agent per batch, however many acknowledgements it carried.
      await Promise.all(
        [...progress].map((agentId) =>
          announceProgress(deps.ctx, agentId, tracker).catch((error: unknown) =>
            deps.logger.warn('could not show acknowledgement progress', { agentId, error: error as Error }),
          ),
        ),
      );
      return response;
    });
  return (event, context) => chain(event, context);
};

export const handler: StreamHandler = lazyHandler(createStreamConsumer);
