import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, SourceData } from '@smithy/types';
import { PostSigner } from '../../../lambdas/adapters/push/post-signer';

/** The SDK's own signer, as the reference: the same request must get the same signature. */
class Sha256 {
  private readonly hash: Hash | Hmac;
  public constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', secret instanceof ArrayBuffer ? Buffer.from(secret) : (secret as string | Uint8Array));
  }
  public update(data: Uint8Array) {
    this.hash.update(data);
  }
  public digest() {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  public reset() {}
}

const referenceHeaders = async (options: { credentials: AwsCredentialIdentity; host: string; basePath: string; connectionId: string; data: Uint8Array; at: Date }) => {
  const signer = new SignatureV4({ service: 'execute-api', region: 'eu-west-1', credentials: options.credentials, sha256: Sha256, applyChecksum: false });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: 'https:',
      hostname: options.host,
      path: `${options.basePath}/@connections/${encodeURIComponent(options.connectionId)}`,
      query: {},
      headers: { host: options.host, 'content-length': String(options.data.byteLength) },
      body: options.data,
    },
    { signingDate: options.at },
  );
  return signed.headers;
};

describe('PostSigner', () => {
  const at = new Date('2026-12-02T09:05:07.123Z');
  const host = 'abc123.execute-api.eu-west-1.amazonaws.com';
  const data = Buffer.from(JSON.stringify({ type: 'kill', agentId: 'email-campaign', version: 7 }), 'utf8');
  const cases: [string, AwsCredentialIdentity, string][] = [
    ['long-term keys', { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }, '/prod'],
    ['a session token (a Lambda role)', { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'c2VjcmV0', sessionToken: 'IQoJb3JpZ2luX2VjE+/=token' }, '/prod'],
    ['no stage path', { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }, ''],
  ];

  it.each(cases)('signs a post exactly as the SDK signer does, with %s', async (_, credentials, basePath) => {
    const signer = new PostSigner({ host, basePath, region: 'eu-west-1', credentials, now: () => at });
    // API Gateway's connection ids end in `=`; ids with characters SigV4 encodes twice too
    for (const connectionId of ['L0SM9cOFvHcCIhw=', 'a+b/c=d', "it's(*)!"]) {
      const mine = await signer.headersFor(connectionId, data);
      const reference = await referenceHeaders({ credentials, host, basePath, connectionId, data, at });
      expect(mine).toEqual(reference);
      expect(signer.pathFor(connectionId)).toBe(`${basePath}/@connections/${encodeURIComponent(connectionId)}`);
    }
  });

  it('signs each day with that day’s key, and a changed body with its own hash', async () => {
    let now = at;
    const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
    const signer = new PostSigner({ host, basePath: '/prod', region: 'eu-west-1', credentials, now: () => now });
    await signer.headersFor('c1', data);
    now = new Date('2026-12-03T00:00:01Z');
    const other = Buffer.from('{"type":"resume"}');
    expect(await signer.headersFor('c1', other)).toEqual(await referenceHeaders({ credentials, host, basePath: '/prod', connectionId: 'c1', data: other, at: now }));
  });

  it('resolves credentials once, and again shortly before they expire', async () => {
    let now = at;
    let calls = 0;
    const provider = () => {
      calls++;
      return Promise.resolve({ accessKeyId: `ASIA${calls}`, secretAccessKey: 's', sessionToken: 't', expiration: new Date(now.getTime() + 15 * 60_000) });
    };
    const signer = new PostSigner({ host, basePath: '/prod', region: 'eu-west-1', credentials: provider, now: () => now });
    await Promise.all([signer.headersFor('c1', data), signer.headersFor('c2', data)]);
    expect(calls).toBe(1);
    now = new Date(now.getTime() + 11 * 60_000);
    const headers = await signer.headersFor('c1', data);
    expect(calls).toBe(2);
    expect(headers.authorization).toContain('Credential=ASIA2/');
  });

  it('tries the provider again after it failed', async () => {
    let fail = true;
    const signer = new PostSigner({
      host,
      basePath: '/prod',
      region: 'eu-west-1',
      credentials: () => (fail ? Promise.reject(new Error('metadata service down')) : Promise.resolve({ accessKeyId: 'AKID', secretAccessKey: 's' })),
    });
    await expect(signer.headersFor('c1', data)).rejects.toThrow('metadata service down');
    fail = false;
    expect((await signer.headersFor('c1', data)).authorization).toContain('Credential=AKID/');
  });
});
