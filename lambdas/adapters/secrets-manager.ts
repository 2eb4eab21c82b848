/** The provisioned agent key written to its Secrets Manager secret. */
import { PutSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretWriter } from '../ports/secrets';

export class SecretsManagerWriter implements SecretWriter {
  public constructor(private readonly client: () => SecretsManagerClient) {}

  public async putSecret(secretId: string, value: string): Promise<void> {
    await this.client().send(new PutSecretValueCommand({ SecretId: secretId, SecretString: value }));
  }
}
