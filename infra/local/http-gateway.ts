/**
 * The local stand-in for API Gateway's REST API: turns HTTP requests into REST proxy events,
 * runs the authorizer handler first (401 when it throws `Unauthorized`, 403 on Deny, as API
 * Gateway does), then the route's handler, and writes the handler's response back.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayAuthorizerResult, APIGatewayProxyEvent, APIGatewayProxyResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { UNAUTHORIZED } from '../../lambdas/authorizer/authorizer';
import { matchRoute, REST_STAGE_THROTTLE, ROUTES, type RouteId } from '../../lambdas/edge/route-table';
import { LOCAL_ACCOUNT, type Invoke } from './lambda-context';
import { bucketsPerKey } from './token-bucket';
import { closeServer, handlerRuns, KEEP_ALIVE, listen } from './http-server';

/** API Gateway refuses payloads over 10 MB before any Lambda runs. */
const GATEWAY_MAX_BODY = 10 * 1024 * 1024;

export interface HttpGateway {
  readonly url: string;
  readonly port: number;
  /**
   * Serve the API from now on. Until then every `/v1` request (health included) answers 503
   * `starting` with `Retry-After`: the port listens before the runtime has finished starting
   * (the operator key, the other region), and a script that waits for health must not get in
   * before the control plane can serve every route.
   */
  ready(): void;
  stop(): Promise<void>;
}

export interface HttpGatewayOptions {
  readonly region: string;
  readonly host?: string;
  /** 0 or absent: any free port. */
  readonly port?: number;
  /** Each route's function (an invocation: the context is the function's to make). */
  readonly handlers: Record<RouteId, Invoke<APIGatewayProxyEvent, APIGatewayProxyResult>>;
  readonly authorizer: Invoke<APIGatewayRequestAuthorizerEvent, APIGatewayAuthorizerResult>;
  /** Serves requests outside `/v1` (the dashboard); 404 when absent. */
  readonly fallback?: (req: IncomingMessage, res: ServerResponse) => void;
  /** The stage's throttle, applied to each method on its own. @default REST_STAGE_THROTTLE */
  readonly throttle?: { readonly rateLimit: number; readonly burstLimit: number };
  readonly onError?: (error: Error) => void;
}

class BodyTooLargeError extends Error {
  public constructor() {
    super('request body over the gateway limit');
    this.name = 'BodyTooLargeError';
  }
}

const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > GATEWAY_MAX_BODY) {
        reject(new BodyTooLargeError());
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

const send = (res: ServerResponse, status: number, body: string, headers: Record<string, string | number | boolean> = {}) => {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(body);
};

const sendError = (res: ServerResponse, status: number, code: string, message: string, requestId: string) =>
  send(res, status, JSON.stringify({ error: { code, message } }), { 'x-amzn-requestid': requestId });

const headerMaps = (req: IncomingMessage) => {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] ?? '';
    const value = req.rawHeaders[i + 1] ?? '';
    single[name] = value;
    (multi[name] ??= []).push(value);
  }
  return { single, multi };
};

const queryMaps = (url: URL) => {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [key, value] of url.searchParams) {
    single[key] = value;
    (multi[key] ??= []).push(value);
  }
  const has = Object.keys(single).length > 0;
  return { single: has ? single : null, multi: has ? multi : null };
};

const encodeBody = (raw: Buffer): { body: string | null; isBase64Encoded: boolean } => {
  if (raw.byteLength === 0) return { body: null, isBase64Encoded: false };
  try {
    return { body: new TextDecoder('utf-8', { fatal: true }).decode(raw), isBase64Encoded: false };
  } catch {
    return { body: raw.toString('base64'), isBase64Encoded: true };
  }
};

export const startHttpGateway = async (options: HttpGatewayOptions): Promise<HttpGateway> => {
  const host = options.host ?? '127.0.0.1';
  const report = options.onError ?? ((error: Error) => console.error('[halt gateway]', error));
  let serving = false;
  const throttle = options.throttle ?? REST_STAGE_THROTTLE;
  /** One bucket per method (route), as API Gateway applies a stage's limits. */
  const admit = bucketsPerKey(throttle);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    const url = new URL(req.url ?? '/', `http://${host}`);
    const method = (req.method ?? 'GET').toUpperCase();
    if (!url.pathname.startsWith('/v1/') && url.pathname !== '/v1') {
      if (options.fallback) return options.fallback(req, res);
      return sendError(res, 404, 'route_not_found', `no route ${method} ${url.pathname}; the API lives under /v1`, requestId);
    }
    if (!serving) {
      req.resume();
      return send(res, 503, JSON.stringify({ error: { code: 'starting', message: 'the control plane is still starting; retry in a second' } }), {
        'retry-after': 1,
        'x-amzn-requestid': requestId,
      });
    }
    let raw: Buffer;
    try {
      raw = await readBody(req);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        return sendError(res, 413, 'payload_too_large', 'body: over the 10 MB gateway limit', requestId);
      }
      throw error;
    }
    const match = matchRoute(method, url.pathname);
    if (!('id' in match)) {
      return match.methodNotAllowed
        ? sendError(res, 405, 'method_not_allowed', `${method} is not allowed on ${url.pathname}; see docs/api.md`, requestId)
        : sendError(res, 404, 'route_not_found', `no route ${method} ${url.pathname}; see docs/api.md`, requestId);
    }
    if (!admit(match.id)) {
      return sendError(res, 429, 'throttled', 'too many requests; retry with backoff', requestId);
    }
    const route = ROUTES[match.id];
    const headers = headerMaps(req);
    const query = queryMaps(url);
    const now = Date.now();
    const requestContext = {
      accountId: LOCAL_ACCOUNT,
      apiId: 'local',
      httpMethod: method,
      path: url.pathname,
      protocol: 'HTTP/1.1',
      requestId,
      requestTimeEpoch: now,
      resourceId: match.id,
      resourcePath: route.path,
      stage: 'v1',
      identity: {
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: req.headers['user-agent'] ?? null,
      },
    };

    const authorizerEvent = {
      type: 'REQUEST',
      methodArn: `arn:aws:execute-api:${options.region}:${LOCAL_ACCOUNT}:local/v1/${method}${url.pathname}`,
      resource: route.path,
      path: url.pathname,
      httpMethod: method,
      headers: headers.single,
      multiValueHeaders: headers.multi,
      pathParameters: match.pathParameters,
      queryStringParameters: query.single,
      multiValueQueryStringParameters: query.multi,
      stageVariables: null,
      requestContext,
    } as unknown as APIGatewayRequestAuthorizerEvent;

    let authorizerContext: Record<string, unknown> = {};
    try {
      const result = await options.authorizer(authorizerEvent);
      const effect = result.policyDocument.Statement.map((s) => ('Effect' in s ? s.Effect : 'Deny'));
      if (effect.length === 0 || effect.some((e) => e !== 'Allow')) {
        const reason = typeof result.context?.reason === 'string' ? result.context.reason : 'this key may not call this route';
        return sendError(res, 403, 'forbidden', reason, requestId);
      }
      authorizerContext = { ...result.context, principalId: result.principalId };
    } catch (error) {
      if (error instanceof Error && error.message === UNAUTHORIZED) {
        return sendError(
          res,
          401,
          'unauthorized',
          'missing, unknown or revoked API key: send "Authorization: Bearer <key>"',
          requestId,
        );
      }
      report(error as Error);
      return sendError(res, 500, 'internal_error', `authorizer failed (request ${requestId})`, requestId);
    }

    const event: APIGatewayProxyEvent = {
      resource: route.path,
      path: url.pathname,
      httpMethod: method,
      headers: headers.single,
      multiValueHeaders: headers.multi,
      queryStringParameters: query.single,
      multiValueQueryStringParameters: query.multi,
      pathParameters: Object.keys(match.pathParameters).length > 0 ? match.pathParameters : null,
      stageVariables: null,
      requestContext: { ...requestContext, authorizer: authorizerContext } as unknown as APIGatewayProxyEvent['requestContext'],
      ...encodeBody(raw),
    };

    let result: APIGatewayProxyResult;
    try {
      result = await options.handlers[match.id](event);
    } catch (error) {
      report(error as Error);
      return sendError(res, 502, 'internal_error', `the handler failed (request ${requestId})`, requestId);
    }
    const body = result.isBase64Encoded ? Buffer.from(result.body, 'base64') : Buffer.from(result.body ?? '', 'utf8');
    res.writeHead(result.statusCode, { ...(result.headers ?? {}), 'x-amzn-requestid': requestId, 'content-length': body.byteLength });
    res.end(body);
  };

  /** Requests being handled: a stop lets them finish (each is bounded by its function's timeout). */
  const handling = handlerRuns();
  const server: Server = createServer(KEEP_ALIVE, (req, res) => {
    void handling.track(
      handle(req, res).catch((error: unknown) => {
        report(error as Error);
        sendError(res, 500, 'internal_error', 'internal error', 'unknown');
      }),
    );
  });
  server.keepAliveTimeout = 5_000;
  const port = await listen(server, options.port ?? 0, host);
  return {
    url: `http://${host}:${port}`,
    port,
    ready: () => {
      serving = true;
    },
    // Closed to new requests first; then what is being handled finishes, before the region
    // stops what the handlers use (its DynamoDB, its queues).
    stop: async () => {
      await closeServer(server);
      await handling.current();
    },
  };
};
