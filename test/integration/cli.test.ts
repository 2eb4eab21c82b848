/** The real `halt` binary against the local runtime. */
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { HaltAgent } from '../../sdk/agent';
import { startTestRuntime, type TestRuntime } from '../support/local-runtime';

const bin = join(__dirname, '..', '..', 'bin', 'halt.cjs');
const exec = promisify(execFile);

describe('halt CLI (local runtime)', () => {
  let t: TestRuntime;

  beforeAll(async () => {
    t = await startTestRuntime();
  });

  afterAll(async () => {
    await t?.dispose();
  });

  const halt = async (args: string[], env: Record<string, string> = {}) => {
    try {
      const { stdout, stderr } = await exec(process.execPath, [bin, ...args], {
        env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent', HALT_URL: t.runtime.restUrl, HALT_KEY: t.operatorKey, ...env },
        timeout: 60_000,
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  it('creates an agent, kills it with --wait and says "1 of 1 instances stopped"', async () => {
    const created = await halt(['--json', 'agents', 'create', 'cli-agent', '--tag', 'team=cli']);
    expect(created.code).toBe(0);
    const { agentKey } = JSON.parse(created.stdout);
    const agent = new HaltAgent({ url: t.runtime.restUrl, wsUrl: t.runtime.wsUrl, key: agentKey, agentId: 'cli-agent', instanceId: 'i-1' });
    agent.on('error', () => undefined);
    await agent.start();
    try {
      const killed = await halt(['kill', 'cli-agent', '--reason', 'bad template', '--wait', '20']);
      expect(killed.code).toBe(0);
      expect(killed.stdout).toContain('cli-agent killed (version 2); enforced in local-1; 1 of 1 instance stopped');
      expect(killed.stdout).toContain('told 1 connected instance at once');
      expect(agent.signal.aborted).toBe(true);
    } finally {
      await agent.close();
    }

    const listed = await halt(['--json', 'agents', '--tag', 'team=cli']);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ agentId: 'cli-agent', status: 'killed' })]);
    // global options wherever they are put, as gh and kubectl take them
    const trailing = await halt(['agents', '--tag', 'team=cli', '--json']);
    expect(trailing.code).toBe(0);
    expect(JSON.parse(trailing.stdout)).toEqual(JSON.parse(listed.stdout));
    const table = await halt(['agents']);
    expect(table.stdout).toMatch(/^AGENT\s+STATUS/);
    expect(table.stdout).toMatch(/cli-agent\s+killed/);

    const status = await halt(['status', 'cli-agent']);
    expect(status.stdout).toContain('fail mode closed (cut off from Halt, instances stop)');
    const audit = await halt(['audit', '--agent', 'cli-agent']);
    expect(audit.stdout).toContain('killed (active → killed)  by operator: bad template');
    const verify = await halt(['audit', 'verify']);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/audit chain intact: \d+ events checked/);
  });

  it('exits non-zero with a clear message for a bad key, a missing URL and bad usage', async () => {
    const badKey = await halt(['agents'], { HALT_KEY: `halt_${'C'.repeat(43)}` });
    expect(badKey.code).toBe(1);
    expect(badKey.stderr).toMatch(/halt: .*unknown or revoked API key.*\[401 unauthorized\]/);

    const noUrl = await halt(['agents'], { HALT_URL: '' });
    expect(noUrl.code).toBe(1);
    expect(noUrl.stderr).toMatch(/no control plane URL: set HALT_URL/);

    const bulk = await halt(['kill', '--all', '--reason', 'x']);
    expect(bulk.code).toBe(2);
    expect(bulk.stderr).toMatch(/without confirmation: add --yes/);

    const missingReason = await halt(['kill', 'cli-agent']);
    expect(missingReason.code).toBe(2);
    expect(missingReason.stderr).toMatch(/--reason/);
  });

  it('kills by tag with --yes and manages keys', async () => {
    await halt(['agents', 'create', 'tagged-1', '--tag', 'fleet=x']);
    const bulk = await halt(['--json', 'kill', '--tag', 'fleet=x', '--reason', 'fleet stop', '--yes']);
    expect(bulk.code).toBe(0);
    expect(JSON.parse(bulk.stdout).agents).toEqual([expect.objectContaining({ agentId: 'tagged-1', changed: true })]);

    const key = JSON.parse((await halt(['--json', 'keys', 'create', '--name', 'auditor', '--role', 'viewer'])).stdout);
    expect(key.key).toMatch(/^halt_/);
    const list = await halt(['keys', 'list']);
    expect(list.stdout).toContain('auditor');
    expect(list.stdout).not.toContain(key.key);
    expect((await halt(['keys', 'revoke', key.keyId])).code).toBe(0);
    const revoked = await halt(['agents'], { HALT_KEY: key.key });
    expect(revoked.code).toBe(1);
  });

  it('calls a bulk kill again while the control plane answers that time ran out, and reports every agent once', async () => {
    // A control plane whose bulk kill reaches one agent per call (as one that runs out of time does)
    const fleet = ['a1', 'a2', 'a3'];
    const killed = new Set<string>();
    let calls = 0;
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        calls++;
        const next = fleet.find((id) => !killed.has(id));
        const agents = fleet.filter((id) => killed.has(id)).map((agentId) => ({ agentId, version: 2, changed: false, pushed: 0 }));
        if (next) {
          killed.add(next);
          agents.push({ agentId: next, version: 2, changed: true, pushed: 1 });
        }
        const remaining = fleet.filter((id) => !killed.has(id));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ agents, complete: remaining.length === 0, remaining }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
      const out = await halt(['--json', 'kill', '--all', '--yes', '--reason', 'incident'], { HALT_URL: url });
      expect(out.code).toBe(0);
      expect(calls).toBe(3);
      expect(out.stderr).toContain('2 agents not reached yet; going on');
      const result = JSON.parse(out.stdout);
      expect(result).toMatchObject({ complete: true, remaining: [] });
      expect(result.agents.map((a: { agentId: string; changed: boolean }) => [a.agentId, a.changed]).sort()).toEqual([['a1', true], ['a2', true], ['a3', true]]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
