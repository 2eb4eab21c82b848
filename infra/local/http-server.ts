/** Listening and stopping for the local runtime's HTTP servers (gateways, sink, stand-ins). */
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Idle keep-alive connections stay open for 65 s, as API Gateway keeps them far longer than
 * Node's 5 s default. With 5 s, a client whose event loop lags (a busy agent) can reuse a
 * socket the server has just closed and see a reset on a request that never arrived.
 */
export const KEEP_ALIVE = { keepAliveTimeout: 65_000, headersTimeout: 66_000 } as const;

/** Listen on `host:port` (0: any free port); resolves to the port. */
export const listen = (server: Server, port: number, host: string): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });

/** Stop accepting, drop open connections, resolve once closed. */
export const closeServer = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });

/** A request's whole body (the stand-ins' requests are small; the REST gateway caps its own). */
export const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
