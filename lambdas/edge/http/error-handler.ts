/**
 * The one error handler of the REST API: domain errors become the status and error body of
 * docs/api.md; anything else is a 500 (or a 503 when storage is unreachable) whose body says
 * nothing of the inside. Every 5xx is logged with its cause.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { ApprovalRequiredError, HaltError } from '../../domain/errors';
import { jsonResponse } from './responses';

const UNAVAILABLE_ERRORS = new Set([
  'TimeoutError',
  'ECONNREFUSED',
  'ECONNRESET',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'ThrottlingException',
  'InternalServerError',
  'ServiceUnavailable',
]);

const isUnavailable = (error: Error & { code?: string }): boolean =>
  UNAVAILABLE_ERRORS.has(error.name) || (error.code !== undefined && UNAVAILABLE_ERRORS.has(error.code));

export const errorResponse = (error: unknown, logger: Logger, requestId: string): APIGatewayProxyResult => {
  if (error instanceof HaltError && error.expose) {
    // `approval_required` also carries the approval it is held as (API.md "Approvals").
    const approval = error instanceof ApprovalRequiredError ? { approval: error.approval } : {};
    return jsonResponse(error.statusCode, { error: { code: error.code, message: error.message, ...approval } });
  }
  const cause = error instanceof Error ? error : new Error(String(error));
  if (isUnavailable(cause) || (error instanceof HaltError && error.statusCode === 503)) {
    logger.error('storage unavailable', { error: cause });
    return jsonResponse(503, {
      error: { code: 'service_unavailable', message: `the control plane cannot reach its storage; retry (request ${requestId})` },
    });
  }
  logger.error('request failed', { error: cause });
  return jsonResponse(500, { error: { code: 'internal_error', message: `internal error (request ${requestId})` } });
};

export const httpErrorHandler = (options: {
  logger: Logger;
}): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> => {
  const onError: MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult>['onError'] = async (request) => {
    request.response = errorResponse(request.error, options.logger, request.context.awsRequestId);
  };
  return { onError };
};
