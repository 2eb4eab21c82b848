/**
 * Inside a local Lambda environment (a worker thread): the handlers of the functions the pool
 * hosts, built from the region's configuration as Lambda builds them from the environment, so
 * their work (middy, the SDK clients, marshalling) runs beside the gateways, not on their
 * event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Context } from 'aws-lambda';
import type { HaltConfig } from '../../lambdas/config/config';
import { createDependencies } from '../../lambdas/config/dependencies';
import { createPushWorker } from '../../lambdas/push-worker/push-worker';
import { ackRoute } from '../../lambdas/websocket/ack';
import { defaultRoute } from '../../lambdas/websocket/default';
import { socketHeartbeatRoute } from '../../lambdas/websocket/heartbeat';
import { invocationLimit, type InvocationLimit } from './invocation-limit';

/** The functions a local environment hosts, by name. */
export const HOSTED_FUNCTIONS = ['push-worker', 'ws-ack', 'ws-heartbeat', 'ws-default'] as const;
export type HostedFunction = (typeof HOSTED_FUNCTIONS)[number];

export interface Invocation {
  readonly id: number;
  readonly fn: HostedFunction;
  readonly payload: unknown;
}

export interface InvocationReply {
  readonly id: number;
  readonly result?: unknown;
  readonly error?: string;
}

export const serveInvocations = (): void => {
  const port = parentPort;
  if (!port) throw new Error('serveInvocations runs inside a worker thread');
  const config = (workerData as { config: HaltConfig }).config;
  const deps = createDependencies(config);
  const provider = () => deps;
  const handlers: Record<HostedFunction, (event: never, context: Context) => Promise<unknown>> = {
    'push-worker': createPushWorker(provider),
    'ws-ack': ackRoute.create(provider),
    'ws-heartbeat': socketHeartbeatRoute.create(provider),
    'ws-default': defaultRoute.create(provider),
  };
  // Each function's invocations wait their turn beyond a limit, and each one's timeout starts
  // when it starts, as in Lambda (a burst of 10,000 acknowledgements is 10,000 invocations of
  // 30 s each, not 30 s for all of them).
  const limits = new Map(HOSTED_FUNCTIONS.map((fn) => [fn, invocationLimit({ functionName: `halt-${fn}-${config.region}`, region: config.region })]));
  port.on('message', (invocation: Invocation) => {
    (limits.get(invocation.fn) as InvocationLimit).run((context) => handlers[invocation.fn](invocation.payload as never, context)).then(
      (result) => port.postMessage({ id: invocation.id, result } satisfies InvocationReply),
      (error: unknown) => port.postMessage({ id: invocation.id, error: error instanceof Error ? error.message : String(error) } satisfies InvocationReply),
    );
  });
  port.postMessage({ ready: true });
};
