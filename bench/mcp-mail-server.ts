/**
 * An email provider's MCP server (the official MCP SDK, Streamable HTTP, stateless), for the
 * MCP gateway's tests, bench and demo: its tools answer only callers holding its key, which
 * only Halt holds. `sent` records what went out (and what was cancelled).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

export interface MailServer {
  readonly url: string;
  /** What went out, in order: `to: subject`, and the long send's start and outcome. */
  readonly sent: string[];
  close(): Promise<void>;
}

export const startMailServer = async (options: { key: string; longSendMs?: number }): Promise<MailServer> => {
  const sent: string[] = [];
  const longSendMs = options.longSendMs ?? 4_000;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.headers.authorization !== options.key) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'no provider key' }));
      return;
    }
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      // Stateless: a server and transport per request, as the SDK shows for Streamable HTTP.
      const mcp = new McpServer({ name: 'mail-provider', version: '1.0.0' });
      mcp.registerTool('send_email', { description: 'Send one email', inputSchema: { to: z.string(), subject: z.string() } }, async ({ to, subject }) => {
        sent.push(`${to}: ${subject}`);
        return { content: [{ type: 'text', text: `sent to ${to}` }] };
      });
      mcp.registerTool('delete_all', { description: 'Delete every contact', inputSchema: {} }, async () => {
        sent.push('DELETED EVERYTHING');
        return { content: [{ type: 'text', text: 'deleted' }] };
      });
      // A long send: it goes out after `longSendMs` unless the call is cancelled first.
      mcp.registerTool('send_all', { description: 'Send to the whole list', inputSchema: {} }, async (_args, extra) => {
        sent.push('send_all started');
        const outcome = await new Promise<string>((resolve) => {
          const timer = setTimeout(() => resolve('SENT ALL'), longSendMs);
          extra.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve('send_all cancelled');
          });
        });
        sent.push(outcome);
        return { content: [{ type: 'text', text: outcome }] };
      });
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => {
        void transport.close();
        void mcp.close();
      });
      // A GET (the client's stream) or DELETE (its goodbye) has no body.
      void mcp.connect(transport).then(() => transport.handleRequest(req, res, raw === '' ? undefined : JSON.parse(raw)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/mcp`, sent, close: () => new Promise((resolve) => server.close(() => resolve())) };
};
