import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalKeyCipher } from '../../../lambdas/adapters/local-key-cipher';

describe('LocalKeyCipher (MCP header values at rest, locally)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'halt-cipher-'));
  const keyFile = join(dir, 'mcp-headers.key');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('encrypts under a key file it makes (0600), and decrypts with the same context only', async () => {
    const cipher = new LocalKeyCipher(keyFile);
    const secret = JSON.stringify({ Authorization: 'Bearer sk-live-123' });
    const sealed = await cipher.encrypt(secret, { server: 'mail' });
    expect(sealed).not.toContain('sk-live');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    // Another process (a second local region) reads the same key file.
    expect(await new LocalKeyCipher(keyFile).decrypt(sealed, { server: 'mail' })).toBe(secret);
    await expect(cipher.decrypt(sealed, { server: 'crm' })).rejects.toThrow();
    const tampered = Buffer.from(sealed, 'base64');
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
    await expect(cipher.decrypt(tampered.toString('base64'), { server: 'mail' })).rejects.toThrow();
    // Two encryptions of the same value differ (fresh IV each time).
    expect(await cipher.encrypt(secret, { server: 'mail' })).not.toBe(sealed);
    expect(readFileSync(keyFile, 'utf8')).not.toContain('sk-live');
  });
});
