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

/**
 * Handler runs in progress, so a server's stop can let them finish before the runtime stops
 * the storage they use. `current()` waits for the runs started so far; `settled()` until none
 * runs (ones started meanwhile included).
 */
export const handlerRuns = () => {
  const running = new Set<Promise<unknown>>();
  return {
    track: <T>(run: Promise<T>): Promise<T> => {
      running.add(run);
      void run.finally(() => running.delete(run)).catch(() => undefined);
      return run;
    },
    current: async (): Promise<void> => {
      await Promise.allSettled([...running]);
    },
    settled: async (): Promise<void> => {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
};

/** A request's whole body (the stand-ins' requests are small; the REST gateway caps its own). */
export const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
