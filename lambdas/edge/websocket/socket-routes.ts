/**
 * Every route of the WebSocket API, with the function that serves it: the CDK stack makes its
 * functions and routes from this table, the local runtime serves the same routes, and the
 * stack's cdk-nag acknowledgements (routes after `$connect` run on an authorized connection)
 * name the same routes.
 */
import { KEEPALIVE_ACTION } from '../../../sdk/protocol/messages';

export interface SocketRouteDefinition {
  /** API Gateway's route key. */
  readonly routeKey: string;
  /** Entry file (relative to `lambdas/`) exporting `handler`; absent: a MOCK integration (no function). */
  readonly entry?: string;
  /** The construct id of the route's function (or MOCK integration) in the stack. */
  readonly construct: string;
  /** Writes presence (the instance item) on the state table. */
  readonly presence?: boolean;
  /** Answers on the connection, and records heartbeats and acknowledgements on the state table. */
  readonly message?: boolean;
  /** Puts events on the bus itself (`BudgetBreached`: a heartbeat's cost can breach the budget). */
  readonly publishes?: boolean;
  /** May stop the agent (a policy's automatic kill): writes agent items in the write region (see RouteWrites.everyRegion). */
  readonly everyRegion?: boolean;
}

export const SOCKET_ROUTES = {
  connect: { routeKey: '$connect', entry: 'websocket/connect.ts', construct: 'Connect', presence: true },
  disconnect: { routeKey: '$disconnect', entry: 'websocket/disconnect.ts', construct: 'Disconnect', presence: true },
  ack: { routeKey: 'ack', entry: 'websocket/ack.ts', construct: 'Ack', message: true },
  heartbeat: { routeKey: 'heartbeat', entry: 'websocket/heartbeat.ts', construct: 'Heartbeat', message: true, publishes: true, everyRegion: true },
  // The SDK's keep-alive: answered by API Gateway itself (no Lambda, no write).
  keepAlive: { routeKey: KEEPALIVE_ACTION, construct: 'KeepAlive' },
  fallback: { routeKey: '$default', entry: 'websocket/default.ts', construct: 'Default' },
} as const satisfies Record<string, SocketRouteDefinition>;

export type SocketRouteId = keyof typeof SOCKET_ROUTES;

/**
 * The WebSocket stage's default route throttle: API Gateway applies it to each route on its
 * own, `$connect` included (a handshake over it is refused with 429, a message over it is
 * answered with an error frame and not routed). The stack sets it; the local gateway enforces it.
 */
export const SOCKET_STAGE_THROTTLE = { rateLimit: 500, burstLimit: 1000 } as const;

/** Routes that run on a connection already authorized at `$connect`. */
export const ROUTES_AFTER_CONNECT: readonly string[] = Object.values(SOCKET_ROUTES)
  .map((r) => r.routeKey)
  .filter((key) => key !== '$connect');
