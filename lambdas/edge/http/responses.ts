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

/** A body relayed as it is, with its own content type and extra headers. */
export const rawResponse = (
  statusCode: number,
  raw: { readonly contentType?: string; readonly headers?: Readonly<Record<string, string>>; readonly body: string },
): APIGatewayProxyResult => ({
  statusCode,
  headers: { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...(raw.contentType ? { 'content-type': raw.contentType } : {}), ...(raw.headers ?? {}) },
  body: raw.body,
});
