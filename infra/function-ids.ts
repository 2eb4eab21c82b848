/**
 * The id of every Halt function: its construct path under the control plane (`Rest/KillAgent`).
 * The stack names its constructs with these, and the local runtime runs each handler as the
 * function of the same id, with the IAM policy the stack synthesizes for it
 * (infra/local/iam/function-policies.json).
 */
import type { RouteId } from '../lambdas/edge/route-table';
import type { SocketRouteDefinition } from '../lambdas/edge/websocket/socket-routes';

/** `killAgent` → `KillAgent`: a REST route's function's construct id. */
export const pascal = (id: string): string => id.charAt(0).toUpperCase() + id.slice(1);

export const restFunctionId = (routeId: RouteId): string => `Rest/${pascal(routeId)}`;
export const socketFunctionId = (route: Pick<SocketRouteDefinition, 'construct'>): string => `WebSocket/${route.construct}`;

export const FUNCTION_IDS = {
  restAuthorizer: 'Rest/Authorizer',
  socketAuthorizer: 'WebSocket/Authorizer',
  pushWorker: 'WebSocket/PushWorker',
  streamConsumer: 'Pipeline/Consumer',
  sweeper: 'Sweep/Sweeper',
  busProbe: 'Doctor/BusProbe',
  reminders: 'Reminders/Remind',
} as const;
