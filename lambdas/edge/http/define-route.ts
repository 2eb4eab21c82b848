/**
 * A REST route as a thin middy chain: logger context, the one error handler, then the caller,
 * path, query and body checked at the edge before one call into the domain.
 *
 * `defineRoute` returns the Lambda `handler` (dependencies from the environment) and `create`,
 * which the local runtime calls with the dependencies of its region.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { z } from 'zod';
import { assertAllowed } from '../../domain/access';
import type { Caller, DomainContext } from '../../domain/context';
import type { Dependencies, DependencyProvider } from '../../config/dependencies';
import { lazyHandler } from '../../config/lazy-handler';
import { ROUTES, type RouteId } from '../route-table';
import { callerFromEvent } from './caller';
import { httpErrorHandler } from './error-handler';
import { readJsonBody } from './json-body';
import { emptyResponse, jsonResponse, rawResponse } from './responses';
import { parseWith } from './validation';

export type RestHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

type Infer<S> = S extends z.ZodType ? z.infer<S> : undefined;

export interface RouteInput<P, Q, B> {
  readonly ctx: DomainContext;
  readonly deps: Dependencies;
  readonly caller: Caller;
  readonly path: P;
  readonly query: Q;
  readonly body: B;
  /** What the invocation has left before its timeout (Lambda's context), ms. */
  readonly timeLeftMs: () => number;
  /** The request's headers, names in lower case (the MCP endpoint relays a few). */
  readonly headers: Readonly<Record<string, string>>;
}

/** What a route returns: a status and a JSON body (`undefined` for an empty 204). */
export interface RouteReply {
  readonly status?: number;
  readonly body?: unknown;
  /** A body relayed as it is (the MCP endpoint's JSON or event stream), instead of `body`. */
  readonly raw?: { readonly contentType?: string; readonly headers?: Readonly<Record<string, string>>; readonly body: string };
}

/** A route as the local gateway, the CDK stack and the OpenAPI document see it. */
export interface DefinedRoute {
  readonly routeId: RouteId;
  readonly spec: RouteSpec<z.ZodType | undefined, z.ZodType | undefined, z.ZodType | undefined>;
  /** The Lambda handler (dependencies from the environment). */
  readonly handler: RestHandler;
  /** The handler with the given dependencies (the local runtime's regions). */
  readonly create: (provider: DependencyProvider) => RestHandler;
}

export interface RouteSpec<P extends z.ZodType | undefined, Q extends z.ZodType | undefined, B extends z.ZodType | undefined> {
  readonly path?: P;
  readonly query?: Q;
  readonly body?: B;
  /** Routes without a caller (health). */
  readonly anonymous?: boolean;
  /** One line for the API document. */
  readonly summary?: string;
  /** Success status. @default 200 */
  readonly status?: number;
}

const queryOf = (event: APIGatewayProxyEvent): Record<string, string | string[]> => {
  const single = event.queryStringParameters ?? {};
  const multi = event.multiValueQueryStringParameters ?? {};
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(single)) if (value !== undefined) out[key] = value;
  for (const [key, values] of Object.entries(multi)) if (values && values.length > 1) out[key] = values;
  return out;
};

const NO_QUERY = z.object({}).strict();

const ANONYMOUS: Caller = { keyId: 'anonymous', name: 'anonymous', role: 'viewer' };

export const defineRoute = <
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(
  routeId: RouteId,
  spec: RouteSpec<P, Q, B>,
  run: (input: RouteInput<Infer<P>, Infer<Q>, Infer<B>>) => Promise<RouteReply>,
): DefinedRoute => {
  const route = ROUTES[routeId];
  const create = (provider: DependencyProvider): RestHandler => {
    const deps = provider();
    const chain = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
      .use(injectLambdaContext(deps.logger, { resetKeys: true }))
      .use(httpErrorHandler({ logger: deps.logger }))
      .handler(async (event, context) => {
        const pathParameters = (event.pathParameters ?? {}) as Record<string, string>;
        const caller = spec.anonymous ? ANONYMOUS : callerFromEvent(event);
        if (!spec.anonymous) assertAllowed(caller, route.access, pathParameters.agentId);
        if (pathParameters.agentId) deps.logger.appendKeys({ agentId: pathParameters.agentId });
        const path = (spec.path ? parseWith(spec.path, pathParameters, 'path') : undefined) as Infer<P>;
        const query = (spec.query ? parseWith(spec.query, queryOf(event), 'query') : undefined) as Infer<Q>;
        if (!spec.query) parseWith(NO_QUERY, queryOf(event), 'query');
        const body = (spec.body ? parseWith(spec.body, readJsonBody(event), 'body') : undefined) as Infer<B>;
        const timeLeftMs = () => (typeof context.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : Infinity);
        const headers = Object.fromEntries(Object.entries(event.headers ?? {}).flatMap(([k, v]) => (v === undefined ? [] : [[k.toLowerCase(), v]])));
        const reply = await run({ ctx: deps.ctx, deps, caller, path, query, body, timeLeftMs, headers });
        const status = reply.status ?? 200;
        if (reply.raw) return rawResponse(status, reply.raw);
        return reply.body === undefined ? emptyResponse(status) : jsonResponse(status, reply.body);
      });
    return (event, context) => chain(event, context);
  };
  const handler: RestHandler = lazyHandler(create);
  return { routeId, spec: spec as RouteSpec<z.ZodType | undefined, z.ZodType | undefined, z.ZodType | undefined>, handler, create };
};
