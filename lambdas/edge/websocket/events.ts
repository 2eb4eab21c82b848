/** The API Gateway WebSocket events the handlers take (the fields Halt reads). */
export interface WebSocketEvent {
  requestContext: {
    routeKey: string;
    eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT';
    connectionId: string;
    requestId: string;
    domainName?: string;
    stage?: string;
    apiId?: string;
    connectedAt?: number;
    /** The authorizer's context, on every event of the connection. */
    authorizer?: Record<string, unknown> | null;
  };
  headers?: Record<string, string | undefined> | null;
  queryStringParameters?: Record<string, string | undefined> | null;
  body?: string | null;
  isBase64Encoded?: boolean;
}

export interface WebSocketResult {
  statusCode: number;
  body?: string;
}
