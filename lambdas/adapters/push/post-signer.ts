/**
 * Signature Version 4 for the one request a fan-out makes thousands of times:
 * `POST {stage}/@connections/{id}` with a JSON body. `@smithy/signature-v4` signs any request,
 * and pays for it on every call (its request is cloned and normalised, its key cache is keyed
 * by an HMAC of the credentials, the payload hashed again): about half a millisecond of CPU a
 * post on a small machine, 5 s of CPU for a kill of 10,000 instances. Here everything that is
 * the same for every post is computed once: the payload's hash once per message, the signing
 * key once per day and credentials, the canonical path's prefix once. What is left per post
 * is one SHA-256 and one HMAC.
 *
 * The signature is the one `SignatureV4` computes for the same headers (a test holds the two
 * to each other); the algorithm is AWS's "Create a signed AWS API request"
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html).
 */
import { createHash, createHmac } from 'node:crypto';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

const ALGORITHM = 'AWS4-HMAC-SHA256';
const SERVICE = 'execute-api';
/** Credentials that expire are resolved again this long before they do. */
const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;

/** RFC 3986 encoding, as SigV4 wants it (`encodeURIComponent` leaves `!'()*` alone). */
const escapeUri = (value: string): string => encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const sha256Hex = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

export interface PostSignerOptions {
  /** The management endpoint's host (`{api}.execute-api.{region}.amazonaws.com`, with a port locally). */
  readonly host: string;
  /** The stage's path, `/prod` (no trailing slash; empty for none). */
  readonly basePath: string;
  readonly region: string;
  readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** For tests: the clock. */
  readonly now?: () => Date;
}

export class PostSigner {
  private readonly host: string;
  private readonly basePath: string;
  private readonly region: string;
  private readonly provider: AwsCredentialIdentityProvider;
  private readonly now: () => Date;
  /** The canonical path up to the connection id: the path as sent, URI-encoded once more. */
  private readonly canonicalPrefix: string;
  private credentials: Promise<AwsCredentialIdentity> | undefined;
  private credentialsExpireAt = Infinity;
  private signingKey: { readonly day: string; readonly accessKeyId: string; readonly key: Buffer } | undefined;
  private readonly payloadHashes = new WeakMap<Uint8Array, string>();

  public constructor(options: PostSignerOptions) {
    this.host = options.host;
    this.basePath = options.basePath;
    this.region = options.region;
    const credentials = options.credentials;
    this.provider = typeof credentials === 'function' ? credentials : () => Promise.resolve(credentials);
    this.now = options.now ?? (() => new Date());
    this.canonicalPrefix = `${this.basePath}/@connections/`.split('/').map(escapeUri).join('/');
  }

  /** The path the request is sent to. */
  public pathFor(connectionId: string): string {
    return `${this.basePath}/@connections/${encodeURIComponent(connectionId)}`;
  }

  /**
   * The headers of a signed post of `data` to the connection. `data` should be the same
   * object for every post of one message: its hash is computed once.
   */
  public async headersFor(connectionId: string, data: Uint8Array): Promise<Record<string, string>> {
    const credentials = await this.currentCredentials();
    const longDate = this.now().toISOString().replace(/[-:]|\.\d{3}/g, '');
    const day = longDate.slice(0, 8);
    const scope = `${day}/${this.region}/${SERVICE}/aws4_request`;
    const token = credentials.sessionToken;
    const headers: Record<string, string> = { 'content-length': String(data.byteLength), host: this.host, 'x-amz-date': longDate };
    if (token) headers['x-amz-security-token'] = token;
    const signedHeaders = token ? 'content-length;host;x-amz-date;x-amz-security-token' : 'content-length;host;x-amz-date';
    const canonicalRequest = [
      'POST',
      `${this.canonicalPrefix}${escapeUri(encodeURIComponent(connectionId))}`,
      '',
      `content-length:${headers['content-length']}`,
      `host:${this.host}`,
      `x-amz-date:${longDate}`,
      ...(token ? [`x-amz-security-token:${token}`] : []),
      '',
      signedHeaders,
      this.payloadHash(data),
    ].join('\n');
    const stringToSign = `${ALGORITHM}\n${longDate}\n${scope}\n${sha256Hex(canonicalRequest)}`;
    const signature = createHmac('sha256', this.keyFor(day, credentials)).update(stringToSign).digest('hex');
    headers.authorization = `${ALGORITHM} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
    return headers;
  }

  private payloadHash(data: Uint8Array): string {
    let hash = this.payloadHashes.get(data);
    if (hash === undefined) {
      hash = sha256Hex(data);
      this.payloadHashes.set(data, hash);
    }
    return hash;
  }

  /** `kSigning`, derived once per day and credentials. */
  private keyFor(day: string, credentials: AwsCredentialIdentity): Buffer {
    const cached = this.signingKey;
    if (cached && cached.day === day && cached.accessKeyId === credentials.accessKeyId) return cached.key;
    let key: Buffer = createHmac('sha256', `AWS4${credentials.secretAccessKey}`).update(day).digest();
    for (const part of [this.region, SERVICE, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
    this.signingKey = { day, accessKeyId: credentials.accessKeyId, key };
    return key;
  }

  /** The credentials, resolved once and again shortly before they expire (or after a failure). */
  private currentCredentials(): Promise<AwsCredentialIdentity> {
    if (!this.credentials || this.now().getTime() >= this.credentialsExpireAt) {
      const resolving = this.provider().then((resolved) => {
        if (typeof resolved?.accessKeyId !== 'string' || typeof resolved.secretAccessKey !== 'string') {
          throw new Error('the credentials for signing pushes have no access key id or secret');
        }
        this.credentialsExpireAt = resolved.expiration ? resolved.expiration.getTime() - REFRESH_BEFORE_EXPIRY_MS : Infinity;
        return resolved;
      });
      resolving.catch(() => {
        if (this.credentials === resolving) this.credentials = undefined;
      });
      this.credentials = resolving;
    }
    return this.credentials;
  }
}
