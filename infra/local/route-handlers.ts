/** Every REST route's handler, built with one region's dependencies: what the local gateway hosts. */
import type { DependencyProvider } from '../../lambdas/config/dependencies';
import type { RestHandler } from '../../lambdas/edge/http/define-route';
import { openApiRoute } from '../../lambdas/openapi/get-openapi';
import { REST_ROUTES } from '../../lambdas/edge/rest-routes';
import type { RouteId } from '../../lambdas/edge/route-table';

export const createRouteHandlers = (provider: DependencyProvider): Record<RouteId, RestHandler> =>
  Object.fromEntries([...REST_ROUTES, openApiRoute].map((route) => [route.routeId, route.create(provider)])) as Record<RouteId, RestHandler>;
