/**
 * A WebSocket route as a middy chain. Message routes answer the sender over its connection:
 * a refused or malformed message gets `{type:"error", code, message}`, never a silent drop.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { MAX_WEBSOCKET_MESSAGE_BYTES } from '../../../sdk/protocol/messages';
import { roleSchema } from '../../../sdk/protocol/schemas';
import type { ConnectionRecord } from '../../adapters/dynamo/connections';
import { HaltError, PayloadTooLargeError, ValidationError } from '../../domain/errors';
import type { Dependencies, DependencyProvider } from '../../config/dependencies';
import { lazyHandler } from '../../config/lazy-handler';
import type { WebSocketEvent, WebSocketResult } from './events';

export type SocketHandler = (event: WebSocketEvent, context: Context) => Promise<WebSocketResult>;

export class WebSocketNotConfiguredError extends Error {
  public constructor() {
    super('this region has no WebSocket API configured (HALT_CONNECTIONS_TABLE / HALT_WEBSOCKET_ENDPOINT)');
    this.name = 'WebSocketNotConfiguredError';
  }
}

export interface SocketInput {
  readonly deps: Required<Pick<Dependencies, 'connections' | 'notifier'>> & Dependencies;
  readonly event: WebSocketEvent;
  readonly connectionId: string;
}

/** The connection as the authorizer described it. */
export const connectionFromAuthorizer = (event: WebSocketEvent, connectedAt: Date): ConnectionRecord => {
  const context = event.requestContext.authorizer ?? {};
  const role = roleSchema.parse(context.role);
  const agentId = typeof context.agentId === 'string' && context.agentId !== '' ? context.agentId : undefined;
  const instanceId = typeof context.instanceId === 'string' && context.instanceId !== '' ? context.instanceId : undefined;
  return {
    connectionId: event.requestContext.connectionId,
    role,
    keyId: String(context.keyId ?? ''),
    keyName: String(context.name ?? ''),
    ...(agentId ? { agentId } : {}),
    ...(instanceId ? { instanceId } : {}),
    watch: context.watch === 'all',
    connectedAt: connectedAt.toISOString(),
  };
};

/** The message body as JSON, within the frame limit. */
export const messageBody = (event: WebSocketEvent): unknown => {
  const raw = event.body ?? '';
  const bytes = Buffer.byteLength(raw, 'utf8');
  if (bytes > MAX_WEBSOCKET_MESSAGE_BYTES) {
    throw new PayloadTooLargeError(`message is ${bytes} bytes; the limit is ${MAX_WEBSOCKET_MESSAGE_BYTES}`);
  }
  try {
    return JSON.parse(raw) as unknown;
  } catch (error) {
    throw new ValidationError('message: is not JSON; send {"action": "...", ...}', { cause: error });
  }
};

export const defineSocketRoute = (
  routeKey: string,
  run: (input: SocketInput) => Promise<void>,
): { handler: SocketHandler; create: (provider: DependencyProvider) => SocketHandler } => {
  const create = (provider: DependencyProvider): SocketHandler => {
    const deps = provider();
    const chain = middy<WebSocketEvent, WebSocketResult>()
      .use(injectLambdaContext(deps.logger, { resetKeys: true }))
      .handler(async (event) => {
        const { connections, notifier } = deps;
        if (!connections || !notifier) throw new WebSocketNotConfiguredError();
        const connectionId = event.requestContext.connectionId;
        try {
          await run({ deps: { ...deps, connections, notifier }, event, connectionId });
          return { statusCode: 200 };
        } catch (error) {
          const exposed = error instanceof HaltError && error.expose;
          if (!exposed) deps.logger.error('websocket route failed', { routeKey, error: error as Error });
          if (event.requestContext.eventType !== 'MESSAGE') return { statusCode: exposed ? (error as HaltError).statusCode : 500 };
          await notifier.send(connectionId, {
            type: 'error',
            code: exposed ? (error as HaltError).code : 'internal_error',
            message: exposed ? (error as HaltError).message : `internal error (request ${event.requestContext.requestId})`,
          });
          return { statusCode: exposed ? (error as HaltError).statusCode : 500 };
        }
      });
    return (event, context) => chain(event, context);
  };
  const handler: SocketHandler = lazyHandler(create);
  return { handler, create };
};
