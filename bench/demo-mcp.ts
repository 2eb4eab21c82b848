/**
 * `npm run demo -- --mcp`: the campaign's email sender as an MCP tool behind Halt's gateway,
 * run by a sender whose code **ignores the kill**: no SDK, no signal, it just keeps calling the
 * tool. It holds only its Halt key; the provider's key is registered in Halt. After the kill
 * every call is refused at the gateway, and the provider's own log shows nothing sent after it.
 */
import { rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startLocalRuntime } from '../infra/local/runtime';
import { HaltClient } from '../sdk/operator-client';
import { startMailServer } from './mcp-mail-server';

export interface McpDemoResult {
  /** Emails the provider sent before the kill call; and those of calls made after it answered (must be 0). */
  sentBeforeKill: number;
  sentAfterKill: number;
  /** Calls the sender made after the kill answered, and how many Halt refused. */
  callsAfterKill: number;
  refusedAfterKill: number;
  refusalCode: string | undefined;
}

const PROVIDER_KEY = 'Bearer sk-live-provider-key-held-by-halt';

export const runMcpDemo = async (options: { killAfter?: number; keepCallingMs?: number; log?: (line: string) => void } = {}): Promise<McpDemoResult> => {
  const log = options.log ?? (() => undefined);
  const killAfter = options.killAfter ?? 100;
  const stateDir = mkdtempSync(join(tmpdir(), 'halt-demo-mcp-'));
  const runtime = await startLocalRuntime({ stateDir, port: 0, wsPort: 0, logLevel: 'SILENT', warm: true });
  const provider = await startMailServer({ key: PROVIDER_KEY });
  const client = new Client({ name: 'rogue-sender', version: '1.0.0' });
  try {
    const operator = new HaltClient({ url: runtime.restUrl, key: runtime.operator.key });
    const { agentKey } = await operator.createAgent({ agentId: 'email-campaign', name: 'Email campaign' });
    const put = await fetch(`${runtime.restUrl}/mcp-servers/mail`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${runtime.operator.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: provider.url, headers: { Authorization: PROVIDER_KEY } }),
    });
    if (put.status !== 200) throw new Error(`registering the provider answered ${put.status}`);
    log('the provider\'s MCP server is registered in Halt with its key; the sender holds only its Halt key');
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${runtime.restUrl}/mcp/email-campaign/mail`), { requestInit: { headers: { authorization: `Bearer ${agentKey}` } } }),
    );
    // The sender: a loop that never looks at Halt; a refusal is an error it logs and ignores.
    let killedAt = Number.POSITIVE_INFINITY;
    let callsAfterKill = 0;
    let refusedAfterKill = 0;
    let refusalCode: string | undefined;
    let stop = false;
    let n = 0;
    /** The first email asked for after the kill answered (a call asked before it may still land). */
    let firstAfterKill = Number.POSITIVE_INFINITY;
    const sender = (async () => {
      while (!stop) {
        const askedAt = performance.now();
        if (askedAt > killedAt && firstAfterKill === Number.POSITIVE_INFINITY) firstAfterKill = n;
        try {
          await client.callTool({ name: 'send_email', arguments: { to: `customer-${n}@example.com`, subject: 'spring sale' } });
        } catch (error) {
          if (askedAt > killedAt) {
            refusedAfterKill++;
            refusalCode ??= (error as { data?: { code?: string } }).data?.code;
          }
        }
        if (askedAt > killedAt) callsAfterKill++;
        n++;
      }
    })();
    while (provider.sent.length < killAfter) await new Promise((resolve) => setTimeout(resolve, 5));
    const sentBeforeKill = provider.sent.length;
    log(`${sentBeforeKill} emails sent through Halt — kill`);
    await operator.kill({ agentId: 'email-campaign', reason: 'the template breaks the law' });
    killedAt = performance.now();
    log('killed; the sender ignores it and keeps calling the tool');
    await new Promise((resolve) => setTimeout(resolve, options.keepCallingMs ?? 2_000));
    stop = true;
    await sender;
    const numberOf = (line: string) => Number(/customer-(\d+)@/.exec(line)?.[1] ?? -1);
    const sentAfterKill = provider.sent.filter((line) => numberOf(line) >= firstAfterKill).length;
    const result = { sentBeforeKill, sentAfterKill, callsAfterKill, refusedAfterKill, refusalCode };
    log(`after the kill: ${callsAfterKill} calls, ${refusedAfterKill} refused (${refusalCode ?? 'none'}); the provider sent ${result.sentAfterKill}`);
    return result;
  } finally {
    await client.close().catch(() => undefined);
    await provider.close();
    await runtime.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
};
