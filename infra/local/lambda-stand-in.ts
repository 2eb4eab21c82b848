/**
 * A stand-in for the Lambda API's reserved-concurrency calls, so the hard stop runs locally
 * through the real `@aws-sdk/client-lambda` client: it keeps each function's setting in memory
 * and appends every call to a file (what a test or an operator can check).
 */
import { appendFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { closeServer, listen } from './http-server';

export interface LambdaStandIn {
  readonly endpoint: string;
  /** Current reserved concurrency per function ARN (absent: none set). */
  readonly concurrency: ReadonlyMap<string, number>;
  /** Give a function a setting, as if it had one before Halt touched it. */
  preset(functionArn: string, value: number): void;
  stop(): Promise<void>;
}

const body = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

export const startLambdaStandIn = async (options: { callsFile: string; host?: string }): Promise<LambdaStandIn> => {
  const host = options.host ?? '127.0.0.1';
  const concurrency = new Map<string, number>();
  const record = (call: Record<string, unknown>) => appendFileSync(options.callsFile, `${JSON.stringify({ at: new Date().toISOString(), ...call })}\n`);
  const server = createServer((req, res) => {
    body(req)
      .then((text) => {
        const match = /^\/(2017-10-31|2019-09-30)\/functions\/([^/]+)\/concurrency$/.exec(new URL(req.url ?? '/', `http://${host}`).pathname);
        const reply = (status: number, payload?: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json', ...(status >= 400 ? { 'x-amzn-errortype': 'ResourceNotFoundException' } : {}) });
          res.end(payload === undefined ? '' : JSON.stringify(payload));
        };
        if (!match?.[2]) return reply(404, { message: 'only the reserved-concurrency calls are stood in for' });
        const fn = decodeURIComponent(match[2]);
        if (req.method === 'GET') {
          const value = concurrency.get(fn);
          record({ call: 'GetFunctionConcurrency', functionArn: fn, value: value ?? null });
          return reply(200, value === undefined ? {} : { ReservedConcurrentExecutions: value });
        }
        if (req.method === 'PUT') {
          const value = (JSON.parse(text) as { ReservedConcurrentExecutions: number }).ReservedConcurrentExecutions;
          concurrency.set(fn, value);
          record({ call: 'PutFunctionConcurrency', functionArn: fn, value });
          return reply(200, { ReservedConcurrentExecutions: value });
        }
        if (req.method === 'DELETE') {
          concurrency.delete(fn);
          record({ call: 'DeleteFunctionConcurrency', functionArn: fn });
          return reply(204);
        }
        return reply(405, { message: `${req.method ?? ''} is not stood in for` });
      })
      .catch((error: unknown) => {
        res.writeHead(500);
        res.end(String(error));
      });
  });
  const port = await listen(server, 0, host);
  return {
    endpoint: `http://${host}:${port}`,
    concurrency,
    preset: (functionArn, value) => {
      concurrency.set(functionArn, value);
    },
    stop: () => closeServer(server),
  };
};
