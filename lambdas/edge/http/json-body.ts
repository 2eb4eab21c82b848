/**
 * Reads the request body: refuses bodies over the limit (413) and anything that is not a JSON
 * object (400), whatever the content type claims.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { PayloadTooLargeError, ValidationError } from '../../domain/errors';

export const MAX_BODY_BYTES = 256 * 1024;

export const readJsonBody = (event: APIGatewayProxyEvent): unknown => {
  if (event.body === null || event.body === undefined || event.body === '') {
    throw new ValidationError('body: is required: send a JSON object');
  }
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
  if (raw.byteLength > MAX_BODY_BYTES) {
    throw new PayloadTooLargeError(`body: is ${raw.byteLength} bytes; the limit is ${MAX_BODY_BYTES} (256 KiB)`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
  } catch (error) {
    throw new ValidationError('body: is not valid UTF-8 JSON; send a JSON object', { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ValidationError('body: must be a JSON object');
  }
  return parsed;
};
