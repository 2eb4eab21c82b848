/**
 * How the header values of a registered MCP server are kept: encrypted before they are stored,
 * decrypted only by the MCP endpoint when it forwards a call. KMS in AWS (a multi-Region key,
 * so every region decrypts what any region stored), a local key file locally.
 */
export interface HeaderCipher {
  /** Ciphertext (base64) of `plaintext`, bound to `context` (the server's name). */
  encrypt(plaintext: string, context: Readonly<Record<string, string>>): Promise<string>;
  /** Fails when the ciphertext or its context is not what was encrypted. */
  decrypt(ciphertext: string, context: Readonly<Record<string, string>>): Promise<string>;
}
