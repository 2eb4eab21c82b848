/**
 * The local WebSocket server's restart() (used by the fault tests) must finish even when an
 * instance reconnects while it is going down: a connection whose $connect is still running then
 * is refused (503) and disconnected, instead of completing its upgrade and keeping the server's
 * close waiting forever (seen in CI as a 120 s test timeout).
 */
import WebSocket from 'ws';
import { startWebSocketGateway, type SocketInvoke, type WebSocketRoutes } from '../../../infra/local/websocket-gateway';

const allow = (async () => ({
  principalId: 'agent',
  policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: '*' }] },
  context: {},
})) as unknown as WebSocketRoutes['authorizer'];

describe('local WebSocket server restart', () => {
  it('refuses a connection whose $connect runs across the restart, runs its $disconnect, and comes back', async () => {
    let release: () => void = () => undefined;
    const connectReturns = new Promise<void>((resolve) => {
      release = resolve;
    });
    const connected: string[] = [];
    const disconnected: string[] = [];
    let holdNext = true;
    const connect: SocketInvoke = async (event) => {
      connected.push(event.requestContext.connectionId);
      if (holdNext) {
        holdNext = false;
        await connectReturns;
      }
      return { statusCode: 200 };
    };
    const disconnect: SocketInvoke = async (event) => {
      disconnected.push(event.requestContext.connectionId);
      return { statusCode: 200 };
    };
    const nothing: SocketInvoke = async () => ({ statusCode: 200 });
    const gateway = await startWebSocketGateway({ region: 'local-1', onError: () => undefined });
    gateway.setRoutes({ authorizer: allow, connect, disconnect, default: nothing, actions: {} });
    const clients: WebSocket[] = [];
    try {
      // GIVEN a client whose $connect is still running
      const early = new WebSocket(gateway.url);
      clients.push(early);
      const refused = new Promise<number>((resolve) => early.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
      early.on('error', () => undefined);
      while (connected.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));

      // WHEN the server goes down, and that $connect returns while it is going down
      let downSeen = false;
      const restarted = gateway.restart(async () => {
        downSeen = true;
      });
      release();
      expect(await refused).toBe(503);
      await restarted;

      // THEN restart finished, the half-made connection was disconnected, and new clients connect
      expect(downSeen).toBe(true);
      expect(disconnected).toEqual([connected[0]]);
      expect(gateway.connectionIds()).toEqual([]);
      const later = new WebSocket(gateway.url);
      clients.push(later);
      await new Promise<void>((resolve, reject) => {
        later.once('open', () => resolve());
        later.once('error', reject);
      });
      expect(gateway.connectionIds()).toHaveLength(1);
    } finally {
      for (const client of clients) client.terminate();
      await gateway.stop();
    }
  });
});
