import type { APIGatewayProxyResult } from 'aws-lambda';

const HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

export const jsonResponse = (statusCode: number, body: unknown): APIGatewayProxyResult => ({
  statusCode,
  headers: HEADERS,
  body: body === undefined ? '' : JSON.stringify(body),
});

export const emptyResponse = (statusCode: number): APIGatewayProxyResult => ({
  statusCode,
  headers: { 'cache-control': 'no-store' },
  body: '',
});
