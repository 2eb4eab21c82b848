/** Where a provisioned agent key is kept: a Secrets Manager secret (a local stand-in locally). */
export interface SecretWriter {
  /** Put `value` as the secret's current version. */
  putSecret(secretId: string, value: string): Promise<void>;
}
