/**
 * `npm run bench:mcp` (and part of `npm run bench`): what the MCP gateway adds to a tool call.
 * The same official MCP client calls the same upstream tool directly and through Halt
 * (`POST /v1/mcp/{agentId}/{server}`: authorizer, gateway intent, header decryption, forward),
 * one call at a time, interleaved, in one run; then calls per second through Halt with 16
 * clients at once. Local runtime, one region.
 */
import { rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startLocalRuntime } from '../infra/local/runtime';
import { HaltClient } from '../sdk/operator-client';
import { startMailServer } from './mcp-mail-server';
import { summarize, type Summary } from './stats';
import { benchStateDir } from './state-dir';

export interface McpBenchResult {
  calls: number;
  direct: Summary;
  throughHalt: Summary;
  /** Added by Halt, p50 and p99 (through Halt minus direct). */
  addedMs: { p50: number; p99: number };
  throughput: { clients: number; calls: number; perSecond: number };
}

const PROVIDER_KEY = 'Bearer bench-provider-key';

const connect = async (url: string, headers: Record<string, string>): Promise<Client> => {
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
};

export const runMcpBench = async (options: { calls?: number; clients?: number; throughputCalls?: number } = {}): Promise<McpBenchResult> => {
  const calls = options.calls ?? 300;
  const clients = options.clients ?? 16;
  const throughputCalls = options.throughputCalls ?? 1_000;
  const stateDir = benchStateDir('halt-bench-mcp-');
  const runtime = await startLocalRuntime({ stateDir, port: 0, wsPort: 0, logLevel: 'SILENT', warm: true });
  const upstream = await startMailServer({ key: PROVIDER_KEY });
  const opened: Client[] = [];
  try {
    const operator = new HaltClient({ url: runtime.restUrl, key: runtime.operator.key });
    const { agentKey } = await operator.createAgent({ agentId: 'bench-mcp' });
    const put = await fetch(`${runtime.restUrl}/mcp-servers/mail`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${runtime.operator.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: upstream.url, headers: { Authorization: PROVIDER_KEY } }),
    });
    if (put.status !== 200) throw new Error(`registering the upstream answered ${put.status}`);
    const viaHalt = (): Promise<Client> => connect(`${runtime.restUrl}/mcp/bench-mcp/mail`, { authorization: `Bearer ${agentKey}` });
    const direct = await connect(upstream.url, { authorization: PROVIDER_KEY });
    const halt = await viaHalt();
    opened.push(direct, halt);
    const call = (client: Client, i: number) => client.callTool({ name: 'send_email', arguments: { to: `r${i}@example.com`, subject: 'bench' } });
    // Warm both paths (first invocations, connections), then interleave so both see the same machine.
    for (let i = 0; i < 20; i++) {
      await call(direct, i);
      await call(halt, i);
    }
    const directMs: number[] = [];
    const haltMs: number[] = [];
    for (let i = 0; i < calls; i++) {
      let t0 = performance.now();
      await call(direct, i);
      directMs.push(performance.now() - t0);
      t0 = performance.now();
      await call(halt, i);
      haltMs.push(performance.now() - t0);
    }
    const many = await Promise.all(Array.from({ length: clients }, () => viaHalt()));
    opened.push(...many);
    let next = 0;
    const start = performance.now();
    await Promise.all(
      many.map(async (client) => {
        while (next < throughputCalls) await call(client, next++);
      }),
    );
    const perSecond = Math.round(throughputCalls / ((performance.now() - start) / 1000));
    const d = summarize(directMs);
    const h = summarize(haltMs);
    return { calls, direct: d, throughHalt: h, addedMs: { p50: h.p50 - d.p50, p99: h.p99 - d.p99 }, throughput: { clients, calls: throughputCalls, perSecond } };
  } finally {
    await Promise.all(opened.map((c) => c.close().catch(() => undefined)));
    await upstream.close();
    await runtime.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
};

export const printMcpBench = (r: McpBenchResult): void => {
  const ms = (n: number) => n.toFixed(1);
  console.log(
    `MCP gateway, tools/call (${r.calls} each, interleaved): direct p50 ${ms(r.direct.p50)} / p99 ${ms(r.direct.p99)} ms; through Halt p50 ${ms(r.throughHalt.p50)} / p99 ${ms(r.throughHalt.p99)} ms; ` +
      `added p50 ${ms(r.addedMs.p50)} / p99 ${ms(r.addedMs.p99)} ms; ${r.throughput.perSecond} calls/s through Halt with ${r.throughput.clients} clients`,
  );
};

if (require.main === module) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  runMcpBench()
    .then(printMcpBench)
    .catch((error: unknown) => {
      console.error('bench failed:', error);
      process.exitCode = 1;
    });
}
