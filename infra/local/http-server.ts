/** Listening and stopping for the local runtime's HTTP servers (gateways, sink, stand-ins). */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

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
