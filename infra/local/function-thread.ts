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
import { FUNCTION_IDS, socketFunctionId } from '../function-ids';
import { SOCKET_ROUTES } from '../../lambdas/edge/websocket/socket-routes';
import { LocalIam, localFunctionOf, type AccessDenial, type LocalIamOptions } from './iam/local-iam';

/** The functions a local environment hosts, by name. */
export const HOSTED_FUNCTIONS = ['push-worker', 'ws-ack', 'ws-heartbeat', 'ws-default'] as const;
export type HostedFunction = (typeof HOSTED_FUNCTIONS)[number];

/** The stack function each hosted one is (its policy is that function's). */
const FUNCTION_ID: Record<HostedFunction, string> = {
  'push-worker': FUNCTION_IDS.pushWorker,
  'ws-ack': socketFunctionId(SOCKET_ROUTES.ack),
  'ws-heartbeat': socketFunctionId(SOCKET_ROUTES.heartbeat),
  'ws-default': socketFunctionId(SOCKET_ROUTES.fallback),
};

export interface ThreadData {
  readonly config: HaltConfig;
  readonly iam: LocalIamOptions;
  /** Each hosted function's timeout (the stack's, or a test's). */
  readonly timeoutsMs: Readonly<Record<HostedFunction, number>>;
}

/** The stack function each hosted one is. */
export const hostedFunctionId = (fn: HostedFunction): string => FUNCTION_ID[fn];

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
  const { config, iam: iamOptions, timeoutsMs } = workerData as ThreadData;
  const iam = new LocalIam(iamOptions);
  const onDenied = (denial: AccessDenial) => port.postMessage({ denied: denial });
  // Each function gets clients of its own, refused what the stack does not grant it.
  const providerOf = (fn: HostedFunction) => {
    const functionId = FUNCTION_ID[fn];
    const deps = createDependencies(config, localFunctionOf(iam, functionId, onDenied));
    return () => deps;
  };
  const handlers: Record<HostedFunction, (event: never, context: Context) => Promise<unknown>> = {
    'push-worker': createPushWorker(providerOf('push-worker')),
    'ws-ack': ackRoute.create(providerOf('ws-ack')),
    'ws-heartbeat': socketHeartbeatRoute.create(providerOf('ws-heartbeat')),
    'ws-default': defaultRoute.create(providerOf('ws-default')),
  };
  // Each function's invocations wait their turn beyond a limit, and each one's timeout (the
  // function's own) starts when it starts, as in Lambda (a burst of 10,000 acknowledgements is
  // 10,000 invocations of 10 s each, not 10 s for all of them).
  const limits = new Map(HOSTED_FUNCTIONS.map((fn) => [fn, invocationLimit({ functionName: `halt-${fn}-${config.region}`, region: config.region, timeoutMs: timeoutsMs[fn] })]));
  port.on('message', (invocation: Invocation) => {
    (limits.get(invocation.fn) as InvocationLimit).run((context) => handlers[invocation.fn](invocation.payload as never, context)).then(
      (result) => port.postMessage({ id: invocation.id, result } satisfies InvocationReply),
      (error: unknown) => port.postMessage({ id: invocation.id, error: error instanceof Error ? error.message : String(error) } satisfies InvocationReply),
    );
  });
  port.postMessage({ ready: true });
};
