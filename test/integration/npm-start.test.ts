/**
 * `npm start`'s entry point as a process: it serves, stops on SIGTERM with its Java child,
 * and refuses to start without Java, saying how to install it.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

const start = (env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string } => {
  let output = '';
  // As `npm start` runs it: node itself, loading TypeScript through tsx's hook (no tsx CLI
  // process in between to relay signals: under load it SIGKILLs a child that is slow to say it
  // got one, Java and all).
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'infra', 'local', 'main.ts')], {
    cwd: root,
    env: { ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  return { child, output: () => output };
};

const exitOf = (child: ChildProcess): Promise<number | null> =>
  child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once('exit', (code) => resolve(code)));

const javaProcessesFor = (stateDir: string): number[] => {
  try {
    return execFileSync('pgrep', ['-f', `dbPath ${stateDir}`], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
};

describe('npm start', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'halt-start-'));
  afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

  it('serves health, prints the operator key once, and stops everything on SIGTERM', async () => {
    const { child, output } = start({ ...process.env, HALT_PORT: '0', HALT_STATE_DIR: stateDir });
    try {
      const deadline = Date.now() + 60_000;
      let url: string | undefined;
      while (!url && Date.now() < deadline && child.exitCode === null) {
        url = /REST API\s+(http:\/\/\S+)/.exec(output())?.[1];
        if (!url) await new Promise((r) => setTimeout(r, 100));
      }
      if (!url) throw new Error(`did not start:\n${output()}`);
      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ ok: true, region: 'local-1' });
      const key = readFileSync(join(stateDir, 'operator.key'), 'utf8').trim();
      expect(output()).toContain(key);
      expect(javaProcessesFor(stateDir).length).toBeGreaterThan(0);

      child.kill('SIGTERM');
      expect(await exitOf(child)).toBe(0);
      expect(javaProcessesFor(stateDir)).toEqual([]);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('says Java is missing and how to install it, and exits 1', async () => {
    // a PATH with node but no java
    const bin = mkdtempSync(join(tmpdir(), 'halt-nojava-'));
    symlinkSync(process.execPath, join(bin, 'node'));
    try {
      const { child, output } = start({ PATH: bin, HOME: process.env.HOME ?? '/tmp', HALT_PORT: '0', HALT_STATE_DIR: join(stateDir, 'nojava') });
      expect(await exitOf(child)).toBe(1);
      expect(output()).toMatch(/Java 17 or newer is required/);
      expect(output()).toMatch(/apt-get install -y default-jre-headless/);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});
