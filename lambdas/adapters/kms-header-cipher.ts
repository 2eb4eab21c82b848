/** Header values encrypted with the stack's KMS key (multi-Region: a replica in every region). */
import { DecryptCommand, EncryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { HeaderCipher } from '../ports/header-cipher';

export class KmsHeaderCipher implements HeaderCipher {
  public constructor(
    private readonly client: () => KMSClient,
    /** The region's key (its ARN or alias). */
    private readonly keyId: string,
  ) {}

  public async encrypt(plaintext: string, context: Readonly<Record<string, string>>): Promise<string> {
    const { CiphertextBlob } = await this.client().send(
      new EncryptCommand({ KeyId: this.keyId, Plaintext: Buffer.from(plaintext, 'utf8'), EncryptionContext: { ...context } }),
    );
    if (!CiphertextBlob) throw new Error('KMS Encrypt answered no ciphertext');
    return Buffer.from(CiphertextBlob).toString('base64');
  }

  public async decrypt(ciphertext: string, context: Readonly<Record<string, string>>): Promise<string> {
    // A symmetric ciphertext names its key; with a multi-Region key the region's replica decrypts it.
    const { Plaintext } = await this.client().send(
      new DecryptCommand({ KeyId: this.keyId, CiphertextBlob: Buffer.from(ciphertext, 'base64'), EncryptionContext: { ...context } }),
    );
    if (!Plaintext) throw new Error('KMS Decrypt answered no plaintext');
    return Buffer.from(Plaintext).toString('utf8');
  }
}
