/**
 * Header values encrypted locally: AES-256-GCM under a key file of the local runtime (made on
 * first use, mode 0600, shared by its regions as a multi-Region key is), the context bound as
 * additional authenticated data. Ciphertext: base64 of version byte, 12-byte IV, 16-byte tag, data.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { HeaderCipher } from '../ports/header-cipher';

const VERSION = 1;

const aad = (context: Readonly<Record<string, string>>): Buffer =>
  Buffer.from(JSON.stringify(Object.entries(context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))), 'utf8');

export class LocalKeyCipher implements HeaderCipher {
  private key: Buffer | undefined;

  public constructor(private readonly keyFile: string) {}

  private keyBytes(): Buffer {
    if (this.key) return this.key;
    if (!existsSync(this.keyFile)) {
      mkdirSync(dirname(this.keyFile), { recursive: true });
      // `wx`: two regions starting at once never overwrite each other's key.
      try {
        writeFileSync(this.keyFile, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      chmodSync(this.keyFile, 0o600);
    }
    const key = Buffer.from(readFileSync(this.keyFile, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`${this.keyFile} is not a 256-bit key (base64); remove it to make a new one (stored headers are then lost)`);
    this.key = key;
    return key;
  }

  public async encrypt(plaintext: string, context: Readonly<Record<string, string>>): Promise<string> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keyBytes(), iv);
    cipher.setAAD(aad(context));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), data]).toString('base64');
  }

  public async decrypt(ciphertext: string, context: Readonly<Record<string, string>>): Promise<string> {
    const raw = Buffer.from(ciphertext, 'base64');
    if (raw[0] !== VERSION || raw.length < 29) throw new Error('not a ciphertext of this cipher');
    const decipher = createDecipheriv('aes-256-gcm', this.keyBytes(), raw.subarray(1, 13));
    decipher.setAAD(aad(context));
    decipher.setAuthTag(raw.subarray(13, 29));
    return Buffer.concat([decipher.update(raw.subarray(29)), decipher.final()]).toString('utf8');
  }
}
