/**
 * The local stand-in for API Gateway's WebSocket API, on one port:
 * - the WebSocket endpoint: the `$connect` authorizer and handler run before the handshake
 *   completes (401/403 refuse it, as API Gateway does), messages go to the route named by
 *   their `action` (or `$default`), a close runs `$disconnect`;
 * - the management API (`POST`/`GET`/`DELETE /@connections/{id}`) that the handlers' signed
 *   `PostToConnection` requests reach, with `GoneException` (410) for connections that are not
 *   there, and for those whose `$connect` has not returned yet, as API Gateway answers.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { WebSocketServer, type WebSocket } from 'ws';
import { UNAUTHORIZED } from '../../lambdas/authorizer/authorizer';
import type { WebSocketEvent, WebSocketResult } from '../../lambdas/edge/websocket/events';
import { GATEWAY_THROTTLED, MAX_PUSH_MESSAGE_BYTES, MAX_WEBSOCKET_MESSAGE_BYTES } from '../../sdk/protocol/messages';
import { LOCAL_ACCOUNT, type Invoke } from './lambda-context';
import { bucketsPerKey, tokenBucket } from './token-bucket';
import { SOCKET_STAGE_THROTTLE } from '../../lambdas/edge/websocket/socket-routes';
import { closeServer, handlerRuns, KEEP_ALIVE, listen, readBody } from './http-server';

/** A route's function, as the gateway invokes it (the context is the function's to make). */
export type SocketInvoke = Invoke<WebSocketEvent, WebSocketResult>;

export interface WebSocketRoutes {
  readonly authorizer: Invoke<APIGatewayRequestAuthorizerEvent, APIGatewayAuthorizerResult>;
  readonly connect: SocketInvoke;
  readonly disconnect: SocketInvoke;
  readonly default: SocketInvoke;
  /** Routes by `action`. */
  readonly actions: Readonly<Record<string, SocketInvoke>>;
  /**
   * Actions the gateway takes itself, as API Gateway does with a MOCK integration: they keep
   * the connection active and run no handler (the SDK's keep-alive).
   */
  readonly mocks?: readonly string[];
}

export interface WebSocketGateway {
  /** `ws://host:port`, where agents connect. */
  readonly url: string;
  /** `http://host:port`, the management API endpoint. */
  readonly managementEndpoint: string;
  readonly port: number;
  /** Attach the handlers (until then, handshakes are refused with 503). */
  setRoutes(routes: WebSocketRoutes): void;
  /** Open connections, by id. */
  connectionIds(): string[];
  /** Messages received since start, by route key (what API Gateway would bill and invoke). */
  messageCounts(): Record<string, number>;
  /** Handshakes and messages refused by the stage's throttle so far. */
  throttledCount(): number;
  /**
   * Fault tests: throttle the management API (every call shares one bucket), answering what
   * API Gateway answers a caller over its rate: 429 `LimitExceededException`. `undefined` lifts it.
   */
  throttleManagement(limits: { readonly rateLimit: number; readonly burstLimit: number } | undefined): void;
  /** Management API calls refused by `throttleManagement` so far. */
  managementThrottledCount(): number;
  /**
   * Fault tests: the management API answers every call with `status` (e.g. 500, an internal
   * error of API Gateway) until called with `undefined`. Resolves to how many it failed so far.
   */
  failManagement(status: number | undefined): number;
  /**
   * Fault tests: hold each `$connect` this long after its handler has answered, before the
   * handshake completes (a slow `$connect`): meanwhile the connection is not open, and the
   * management API answers 410 for it, as API Gateway does. 0 lifts it.
   */
  holdConnect(ms: number): void;
  /** Resolves once no handler is running (e.g. after many clients disconnect at once). */
  settled(): Promise<void>;
  /**
   * Go down and come back (fault tests): every connection is closed (its `$disconnect` runs,
   * as API Gateway does), the port refuses connections — and the management API — while
   * `whileDown` runs, then listens again on the same port.
   */
  restart(whileDown?: () => Promise<void>): Promise<void>;
  /**
   * Lose a connection the way a crashed client or a dead network does: the socket goes and
   * no `$disconnect` runs, so its item stays until a push finds it gone.
   */
  vanish(connectionId: string): void;
  stop(): Promise<void>;
}

interface LiveConnection {
  /** Absent until `$connect` has returned and the handshake completed. */
  socket?: WebSocket;
  authorizer: Record<string, unknown>;
  connectedAt: number;
  lastActiveAt: number;
  sourceIp: string;
  userAgent: string;
}

/** The local WebSocket API's id and stage: in its events' request context and in the ARNs IAM checks. */
export const LOCAL_WEBSOCKET_API = 'local';
export const LOCAL_WEBSOCKET_STAGE = 'local';

const rejectUpgrade = (socket: Duplex, status: number, text: string) => {
  socket.write(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
};

const gone = (res: ServerResponse, connectionId: string) => {
  res.writeHead(410, { 'content-type': 'application/json', 'x-amzn-errortype': 'GoneException' });
  res.end(JSON.stringify({ message: `connection ${connectionId} is gone` }));
};

/**
 * IAM on the management API: the caller's access key (from its SigV4 `Authorization` header)
 * and what it asks; answers the refusal's message, or undefined when the call is allowed.
 */
export type ManagementAuthorizer = (request: { accessKeyId: string | undefined; method: string; connectionId: string }) =>
  | { readonly status: 403; readonly type: 'AccessDeniedException' | 'ForbiddenException'; readonly message: string }
  | undefined;

export const startWebSocketGateway = async (options: {
  region: string;
  host?: string;
  port?: number;
  /** @default - every caller may manage every connection */
  authorize?: ManagementAuthorizer;
  /** The stage's route throttle, each route (`$connect` too) on its own. @default SOCKET_STAGE_THROTTLE */
  throttle?: { readonly rateLimit: number; readonly burstLimit: number };
  onError?: (error: Error) => void;
}): Promise<WebSocketGateway> => {
  const host = options.host ?? '127.0.0.1';
  const report = options.onError ?? ((error: Error) => console.error('[halt websocket]', error.message));
  let routes: WebSocketRoutes | undefined;
  const counts = new Map<string, number>();
  const count = (routeKey: string) => counts.set(routeKey, (counts.get(routeKey) ?? 0) + 1);
  const admit = bucketsPerKey(options.throttle ?? SOCKET_STAGE_THROTTLE);
  let throttled = 0;
  let admitManagement: (() => boolean) | undefined;
  let failing: number | undefined;
  let connectHoldMs = 0;
  /** Set while restart() has the server down: no upgrade may complete, or the server's close would wait on it forever. */
  let down = false;
  let failedManagement = 0;
  let managementThrottled = 0;
  const live = new Map<string, LiveConnection>();
  /** Handler runs in progress: stop() waits for them, so none outlives the runtime's storage. */
  const runs = handlerRuns();
  const { track, settled } = runs;
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WEBSOCKET_MESSAGE_BYTES });

  const baseContext = (connectionId: string, routeKey: string, eventType: WebSocketEvent['requestContext']['eventType']) => ({
    routeKey,
    eventType,
    connectionId,
    requestId: randomUUID(),
    domainName: host,
    stage: LOCAL_WEBSOCKET_STAGE,
    apiId: LOCAL_WEBSOCKET_API,
    connectedAt: live.get(connectionId)?.connectedAt ?? Date.now(),
    authorizer: live.get(connectionId)?.authorizer ?? null,
  });

  const onMessage = (connectionId: string, data: Buffer) => {
    const current = routes;
    if (!current) return;
    const entry = live.get(connectionId);
    if (entry) entry.lastActiveAt = Date.now();
    const text = data.toString('utf8');
    let action: unknown;
    try {
      action = (JSON.parse(text) as { action?: unknown })?.action;
    } catch {
      action = undefined;
    }
    const mock = typeof action === 'string' && current.mocks?.includes(action);
    const routeKey = mock ? (action as string) : typeof action === 'string' && current.actions[action] ? action : '$default';
    if (!admit(routeKey)) {
      // Over the route's throttle: not routed; the client gets an error frame, as from API Gateway.
      throttled++;
      entry?.socket?.send(JSON.stringify({ message: GATEWAY_THROTTLED, connectionId, requestId: randomUUID() }));
      return;
    }
    if (mock) {
      count(routeKey);
      return;
    }
    count(routeKey);
    const handler = routeKey === '$default' ? current.default : (current.actions[routeKey] as SocketInvoke);
    track(handler({ requestContext: baseContext(connectionId, routeKey, 'MESSAGE'), body: text, isBase64Encoded: false })).catch(
      (error: unknown) => report(error instanceof Error ? error : new Error(String(error))),
    );
  };

  const onClose = (connectionId: string) => {
    if (!live.has(connectionId)) return;
    const current = routes;
    const event: WebSocketEvent = { requestContext: baseContext(connectionId, '$disconnect', 'DISCONNECT') };
    live.delete(connectionId);
    if (!current) return;
    track(current.disconnect(event)).catch((error: unknown) => report(error instanceof Error ? error : new Error(String(error))));
  };

  const upgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const current = routes;
    if (!current || down) return rejectUpgrade(socket, 503, 'Service Unavailable');
    if (!admit('$connect')) {
      throttled++;
      return rejectUpgrade(socket, 429, 'Too Many Requests');
    }
    const url = new URL(req.url ?? '/', `http://${host}`);
    const query = Object.fromEntries(url.searchParams);
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]));
    const connectionId = randomBytes(12).toString('base64url');
    const requestContext = { routeKey: '$connect', eventType: 'CONNECT' as const, connectionId, requestId: randomUUID(), stage: LOCAL_WEBSOCKET_STAGE, apiId: LOCAL_WEBSOCKET_API };
    let authorizer: Record<string, unknown>;
    try {
      const result = await current.authorizer(
        {
          type: 'REQUEST',
          methodArn: `arn:aws:execute-api:${options.region}:${LOCAL_ACCOUNT}:${LOCAL_WEBSOCKET_API}/${LOCAL_WEBSOCKET_STAGE}/$connect`,
          headers,
          queryStringParameters: query,
          requestContext,
        } as unknown as APIGatewayRequestAuthorizerEvent,
      );
      if (result.policyDocument.Statement.some((s) => !('Effect' in s) || s.Effect !== 'Allow')) {
        return rejectUpgrade(socket, 403, 'Forbidden');
      }
      authorizer = { ...result.context, principalId: result.principalId };
    } catch (error) {
      if (error instanceof Error && error.message === UNAUTHORIZED) return rejectUpgrade(socket, 401, 'Unauthorized');
      report(error instanceof Error ? error : new Error(String(error)));
      return rejectUpgrade(socket, 500, 'Internal Server Error');
    }
    const now = Date.now();
    live.set(connectionId, {
      authorizer,
      connectedAt: now,
      lastActiveAt: now,
      sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
      userAgent: String(req.headers['user-agent'] ?? ''),
    });
    const connected = await current
      .connect({ requestContext: { ...requestContext, authorizer }, headers, queryStringParameters: query })
      .catch((error: unknown) => {
        report(error instanceof Error ? error : new Error(String(error)));
        return { statusCode: 500 };
      });
    if (connected.statusCode !== 200) {
      live.delete(connectionId);
      return rejectUpgrade(socket, connected.statusCode === 403 ? 403 : 500, connected.statusCode === 403 ? 'Forbidden' : 'Internal Server Error');
    }
    if (connectHoldMs > 0) await new Promise((resolve) => setTimeout(resolve, connectHoldMs));
    if (down) {
      // The server went down while $connect ran: the connection ends before it began ($disconnect runs).
      onClose(connectionId);
      return rejectUpgrade(socket, 503, 'Service Unavailable');
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const entry = live.get(connectionId);
      if (!entry) {
        ws.terminate();
        return;
      }
      entry.socket = ws;
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        // API Gateway takes text frames only: a binary frame closes the connection with 1003
        // (https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-develop-binary-media-types.html).
        if (isBinary) {
          ws.close(1003, 'binary frames are not supported');
          return;
        }
        onMessage(connectionId, data);
      });
      ws.on('close', () => onClose(connectionId));
      ws.on('error', (error) => report(error));
    });
  };

  const management = async (req: IncomingMessage, res: ServerResponse) => {
    const match = /^\/@connections\/([^/?]+)$/.exec(new URL(req.url ?? '/', `http://${host}`).pathname);
    if (!match?.[1]) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'no such route; the management API serves /@connections/{id}' }));
      return;
    }
    const connectionId = decodeURIComponent(match[1]);
    const body = await readBody(req);
    const accessKeyId = /Credential=([^/,\s]+)\//.exec(req.headers.authorization ?? '')?.[1];
    const refused = options.authorize?.({ accessKeyId, method: req.method ?? 'GET', connectionId });
    if (failing !== undefined) {
      failedManagement++;
      res.writeHead(failing, { 'content-type': 'application/json', 'x-amzn-errortype': 'InternalServerErrorException' });
      res.end(JSON.stringify({ message: 'Internal server error' }));
      return;
    }
    if (!refused && admitManagement && !admitManagement()) {
      managementThrottled++;
      res.writeHead(429, { 'content-type': 'application/json', 'x-amzn-errortype': 'LimitExceededException' });
      res.end(JSON.stringify({ message: 'Rate exceeded' }));
      return;
    }
    if (refused) {
      res.writeHead(refused.status, { 'content-type': 'application/json', 'x-amzn-errortype': refused.type });
      res.end(JSON.stringify({ message: refused.message }));
      return;
    }
    const entry = live.get(connectionId);
    if (!entry) return gone(res, connectionId);
    if (req.method === 'POST') {
      if (body.byteLength > MAX_PUSH_MESSAGE_BYTES) {
        res.writeHead(413, { 'content-type': 'application/json', 'x-amzn-errortype': 'PayloadTooLargeException' });
        res.end(JSON.stringify({ message: 'message over 128 KiB' }));
        return;
      }
      // API Gateway answers 410 until $connect has returned: the connection is not open yet.
      if (!entry.socket || entry.socket.readyState !== entry.socket.OPEN) return gone(res, connectionId);
      // What a backend posts reaches the client as a text frame (browsers get a string).
      entry.socket.send(body, { binary: false });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
      return;
    }
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          ConnectedAt: new Date(entry.connectedAt).toISOString(),
          LastActiveAt: new Date(entry.lastActiveAt).toISOString(),
          Identity: { SourceIp: entry.sourceIp, UserAgent: entry.userAgent },
        }),
      );
      return;
    }
    if (req.method === 'DELETE') {
      entry.socket?.close(1000, 'closed by the control plane');
      res.writeHead(204);
      res.end();
      return;
    }
    res.writeHead(405, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ message: `${req.method ?? ''} is not allowed` }));
  };

  const server = createServer(KEEP_ALIVE, (req, res) => {
    management(req, res).catch((error: unknown) => {
      report(error instanceof Error ? error : new Error(String(error)));
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.on('upgrade', (req, socket, head) => {
    upgrade(req, socket, head).catch((error: unknown) => {
      report(error instanceof Error ? error : new Error(String(error)));
      rejectUpgrade(socket, 500, 'Internal Server Error');
    });
  });
  const port = await listen(server, options.port ?? 0, host);
  return {
    url: `ws://${host}:${port}`,
    managementEndpoint: `http://${host}:${port}`,
    port,
    setRoutes: (next) => {
      routes = next;
    },
    connectionIds: () => [...live.keys()],
    messageCounts: () => Object.fromEntries(counts),
    throttledCount: () => throttled,
    throttleManagement: (limits) => {
      admitManagement = limits ? tokenBucket(limits.rateLimit, limits.burstLimit) : undefined;
    },
    managementThrottledCount: () => managementThrottled,
    holdConnect: (ms) => {
      connectHoldMs = ms;
    },
    failManagement: (status) => {
      failing = status;
      return failedManagement;
    },
    settled,
    vanish: (connectionId) => {
      const entry = live.get(connectionId);
      live.delete(connectionId);
      entry?.socket?.terminate();
    },
    restart: async (whileDown) => {
      down = true;
      const closing = [...live.values()].flatMap((entry) => {
        const socket = entry.socket;
        if (!socket) return [];
        const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
        socket.close(1012, 'service restart');
        return [closed];
      });
      await Promise.all(closing);
      await closeServer(server);
      await settled();
      try {
        await whileDown?.();
      } finally {
        await listen(server, port, host);
        down = false;
      }
    },
    stop: async () => {
      routes = undefined;
      for (const entry of live.values()) entry.socket?.terminate();
      wss.close();
      await runs.current();
      await closeServer(server);
    },
  };
};
