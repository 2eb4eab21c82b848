/** Every REST route's handler, each with its own function's dependencies: what the local gateway hosts. */
import type { DependencyProvider } from '../../lambdas/config/dependencies';
import type { RestHandler } from '../../lambdas/edge/http/define-route';
import { openApiRoute } from '../../lambdas/openapi/get-openapi';
import { REST_ROUTES } from '../../lambdas/edge/rest-routes';
import type { RouteId } from '../../lambdas/edge/route-table';
import { restFunctionId } from '../function-ids';

export const createRouteHandlers = (providerOf: (functionId: string) => DependencyProvider): Record<RouteId, RestHandler> =>
  Object.fromEntries([...REST_ROUTES, openApiRoute].map((route) => [route.routeId, route.create(providerOf(restFunctionId(route.routeId)))])) as Record<RouteId, RestHandler>;
