/**
 * API Gateway answers a post to a connection 410 Gone until its `$connect` has returned; the
 * local management API does too (it used to hold such pushes and deliver them on open).
 */
import WebSocket from 'ws';
import { startWebSocketGateway, type SocketInvoke, type WebSocketRoutes } from '../../../infra/local/websocket-gateway';

describe('local management API during $connect', () => {
  it('answers 410 to a post while $connect runs, and delivers once it has returned', async () => {
    let release: () => void = () => undefined;
    const connectReturns = new Promise<void>((resolve) => {
      release = resolve;
    });
    let connectionId: string | undefined;
    const connect: SocketInvoke = async (event) => {
      connectionId = event.requestContext.connectionId;
      await connectReturns;
      return { statusCode: 200 };
    };
    const nothing: SocketInvoke = async () => ({ statusCode: 200 });
    const authorizer = (async () => ({
      principalId: 'agent',
      policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: '*' }] },
      context: {},
    })) as unknown as WebSocketRoutes['authorizer'];
    const gateway = await startWebSocketGateway({ region: 'local-1', onError: () => undefined });
    gateway.setRoutes({ authorizer, connect, disconnect: nothing, default: nothing, actions: {} });
    const post = (id: string) => fetch(`${gateway.managementEndpoint}/@connections/${encodeURIComponent(id)}`, { method: 'POST', body: '{"type":"kill"}' });
    const client = new WebSocket(gateway.url);
    const received: string[] = [];
    client.on('message', (data: Buffer) => received.push(data.toString()));
    try {
      while (!connectionId) await new Promise((resolve) => setTimeout(resolve, 10));
      const during = await post(connectionId);
      expect(during.status).toBe(410);
      expect(during.headers.get('x-amzn-errortype')).toBe('GoneException');
      release();
      await new Promise<void>((resolve, reject) => {
        client.once('open', () => resolve());
        client.once('error', reject);
      });
      expect((await post(connectionId)).status).toBe(200);
      while (received.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      // only the post made after $connect returned arrives
      expect(received).toEqual(['{"type":"kill"}']);
    } finally {
      client.terminate();
      await gateway.stop();
    }
  });
});
