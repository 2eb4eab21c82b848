/**
 * Property-based bad input (fast-check) over the bodies, paths and queries of the routes that
 * change state: wrong types, huge and deeply nested values, prototype-pollution keys, invalid
 * UTF-8, empty bodies. Whatever arrives: never a 5xx, always the contract's error body, and
 * no state change on a 4xx.
 */
import fc from 'fast-check';
import WebSocket from 'ws';
import { startTestRuntime, waitFor, type ApiResponse, type TestRuntime } from '../support/local-runtime';

const RUNS = 40;

/** Keys that have broken JSON handlers before: prototype pollution and friends. */
const nastyKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', ' ', '\u0000', 'agentId', 'reason');

/** Any JSON-ish value, biased towards the shapes that break parsers and validators. */
const nastyValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double(),
    fc.constantFrom(Number.MAX_SAFE_INTEGER, -1, 0, 1e308, -0),
    fc.string(),
    fc.string({ unit: 'binary', maxLength: 50 }),
    fc.constantFrom('a'.repeat(10_000), '🙂'.repeat(600), '<script>alert(1)</script>', "'; DROP TABLE halt; --"),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(nastyKey, fc.string({ maxLength: 8 })), tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** A body: a nasty value, or a valid-looking object with one field made nasty. */
const body = (valid: Record<string, unknown>) =>
  fc.oneof(
    nastyValue,
    fc.record({ key: fc.constantFrom(...Object.keys(valid)), value: nastyValue }).map(({ key, value }) => ({ ...valid, [key]: value })),
    fc.record({ key: nastyKey, value: nastyValue }).map(({ key, value }) => JSON.parse(`{${JSON.stringify(key)}:${JSON.stringify(value ?? null)}}`) as unknown),
  );

/** Nested `depth` levels deep: `{"a":{"a":…}}`. */
const deep = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

/** Raw bodies that are not JSON, or not UTF-8, or nothing at all. */
const rawBody = fc.oneof(
  fc.constant(''),
  fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
  fc.constant(Buffer.from([0x7b, 0x22, 0x72, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])), // {"r":"\xff\xfe"}
  fc.constant(deep(5_000)),
  fc.constant(Buffer.alloc(300 * 1024, 0x61)),
);

describe('fuzzed input (local runtime)', () => {
  let t: TestRuntime;
  let agentKey: string;
  const runtimeErrors: Error[] = [];

  beforeAll(async () => {
    t = await startTestRuntime({ onError: (error) => runtimeErrors.push(error) });
    agentKey = (await t.api('POST', '/v1/agents', { body: { agentId: 'fz', tags: ['fuzz'] } })).body.agentKey;
  });

  afterAll(async () => {
    await t?.dispose();
  });

  const snapshot = async () => ({
    agents: (await t.api('GET', '/v1/agents')).body.agents.map((a: { agentId: string; version: number; status: string; policy: unknown; tags: unknown }) => [
      a.agentId,
      a.version,
      a.status,
      a.policy,
      a.tags,
    ]),
    keys: (await t.api('GET', '/v1/keys')).body.keys.length,
    checkpoints: (await t.api('GET', '/v1/agents/fz/checkpoints')).body,
    instances: (await t.api('GET', '/v1/agents/fz')).body.instanceList.length,
  });

  /** The contract's error body on every 4xx; never a 5xx. */
  const check = (res: ApiResponse, what: string) => {
    if (res.status >= 500) throw new Error(`${what} answered ${res.status}: ${JSON.stringify(res.body)}`);
    if (res.status >= 400) {
      if (typeof res.body?.error?.code !== 'string' || typeof res.body?.error?.message !== 'string') {
        throw new Error(`${what} answered ${res.status} without the error body: ${JSON.stringify(res.body)}`);
      }
    }
  };

  const BODY_ROUTES: { method: string; path: string; key?: () => string; valid: Record<string, unknown> }[] = [
    { method: 'POST', path: '/v1/agents', valid: { agentId: 'fz-new', name: 'n', tags: ['a'] } },
    { method: 'POST', path: '/v1/agents/fz/kill', valid: { reason: 'r' } },
    { method: 'POST', path: '/v1/agents/fz/pause', valid: { reason: 'r' } },
    { method: 'POST', path: '/v1/kill', valid: { reason: 'r', tags: ['nobody-has-this'] } },
    { method: 'PUT', path: '/v1/agents/fz/policy', valid: { policy: { failMode: 'closed' } } },
    { method: 'POST', path: '/v1/agents/fz/heartbeat', key: () => agentKey, valid: { instanceId: 'i-1', metrics: { succeeded: 1 } } },
    { method: 'POST', path: '/v1/agents/fz/intents', key: () => agentKey, valid: { instanceId: 'i-1', action: 'email.send', costUsd: 0.1 } },
    { method: 'PUT', path: '/v1/agents/fz/checkpoints/c1', key: () => agentKey, valid: { data: { next: 1 } } },
    { method: 'POST', path: '/v1/keys', valid: { name: 'k', role: 'viewer' } },
  ];

  it.each(BODY_ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))('%s: any body gets a 4xx with the error body, or a change that was asked for', async (_name, route) => {
    const before = await snapshot();
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(body(route.valid).map((b) => ({ json: b })), rawBody.map((raw) => ({ raw }))), async (input) => {
        const options = 'raw' in input
          ? { rawBody: input.raw, headers: { 'content-type': 'application/json' } }
          : { body: input.json };
        const res = await t.api(route.method, route.path, { ...(route.key ? { key: route.key() } : {}), ...options });
        check(res, `${route.method} ${route.path} with ${JSON.stringify(input).slice(0, 200)}`);
        if (res.status < 400) accepted++;
      }),
      { numRuns: RUNS },
    );
    // When nothing was accepted, nothing may have changed.
    if (accepted === 0) expect(await snapshot()).toEqual(before);
    // Object.prototype is untouched by whatever keys came in.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('answers any WebSocket message with an error message (never a crash), and closes on one over 32 KiB', async () => {
    const url = new URL(t.runtime.wsUrl);
    url.searchParams.set('agentId', 'fz');
    url.searchParams.set('instanceId', 'ws-fuzz');
    const socket = new WebSocket(url, { headers: { authorization: `Bearer ${agentKey}` } });
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const answers: { type?: string; code?: string }[] = [];
    socket.on('message', (data: Buffer) => answers.push(JSON.parse(data.toString('utf8')) as { type?: string }));
    const before = await snapshot();
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(nastyValue.map((v) => JSON.stringify(v) ?? 'null'), fc.string({ maxLength: 200 })), async (text) => {
        // a message that happens to be a valid ack or heartbeat is fine; everything else is refused
        socket.send(text);
        sent++;
      }),
      { numRuns: RUNS },
    );
    await waitFor(() => answers.length >= sent, { what: 'an answer to every fuzzed message' });
    expect(answers.every((a) => a.type === 'error' || a.type === 'heartbeat')).toBe(true);
    expect(answers.filter((a) => a.type === 'error').every((a) => typeof a.code === 'string')).toBe(true);
    expect((await snapshot()).agents).toEqual(before.agents);

    // over the frame limit: the gateway closes the connection (1009, message too big)
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send(JSON.stringify({ action: 'heartbeat', pad: 'x'.repeat(40 * 1024) }));
    expect(await closed).toBe(1009);
    // the runtime reported that frame, and no other error, for all the fuzzing so far
    expect(runtimeErrors.map((e) => e.message)).toEqual(['Max payload size exceeded']);
    // and the control plane still answers
    expect((await t.api('GET', '/v1/health', { key: null })).status).toBe(200);
  });

  it('answers any path segment and query with a 4xx or an empty result, never a 5xx', async () => {
    const before = await snapshot();
    const segment = fc.oneof(fc.string({ maxLength: 300 }), fc.constantFrom('..', '%', '%00', '__proto__', 'a/b', ' ', '\u202e', 'x'.repeat(2_000)));
    await fc.assert(
      fc.asyncProperty(segment, segment, async (a, b) => {
        const enc = (s: string) => encodeURIComponent(s);
        for (const [method, path] of [
          ['GET', `/v1/agents/${enc(a)}`],
          ['POST', `/v1/agents/${enc(a)}/kill`],
          ['GET', `/v1/agents/fz/checkpoints/${enc(a)}`],
          ['GET', `/v1/agents?tag=${enc(a)}&tag=${enc(b)}`],
          ['GET', `/v1/agents/fz/usage?days=${enc(a)}`],
          ['GET', `/v1/audit?agentId=${enc(a)}&limit=${enc(b)}`],
          ['DELETE', `/v1/keys/${enc(a)}`],
        ] as const) {
          const res = await t.api(method, path, method === 'POST' ? { body: { reason: 'r' } } : {});
          check(res, `${method} ${path.slice(0, 200)}`);
        }
      }),
      { numRuns: RUNS },
    );
    expect(await snapshot()).toEqual(before);
  });
});
