/**
 * `POST /@connections/{id}` of API Gateway's management API with the least machinery it
 * allows: a SigV4 signer made for this one request (`PostSigner`: one hash and one HMAC a
 * post), one keep-alive agent, Node's own HTTP client. A kill of 10,000 instances is 10,000
 * of these, so the AWS SDK client's middleware stack, endpoint rules and retry bookkeeping per
 * call are left out; the request is the same one the SDK would send (docs/architecture.md).
 *
 * Throttling (429) and server errors (5xx) are retried with jittered backoff; a connection
 * that is gone answers `gone`; anything else throws `PushFailedError`.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { PostSigner } from './post-signer';

export type PostOutcome = 'sent' | 'gone';

/** Posts one message to one connection. */
export interface ConnectionPoster {
  post(connectionId: string, data: Uint8Array): Promise<PostOutcome>;
}

export class PushFailedError extends Error {
  public readonly statusCode: number | undefined;

  public constructor(connectionId: string, statusCode: number | undefined, detail: string, options?: { cause?: unknown }) {
    super(`push to connection ${connectionId} failed${statusCode ? ` (${statusCode})` : ''}: ${detail}`, options);
    this.name = 'PushFailedError';
    this.statusCode = statusCode;
  }
}

export interface SignedPosterOptions {
  /** The management endpoint, `https://{api}.execute-api.{region}.amazonaws.com/{stage}`. */
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Sockets kept open to the endpoint (the most posts in flight). @default 50 */
  readonly maxSockets?: number;
  /** One attempt's limit. @default 3000 */
  readonly timeoutMs?: number;
  /** Attempts for a throttled or failed post. @default 4 */
  readonly maxAttempts?: number;
}

const RETRYABLE = (status: number) => status === 429 || status >= 500;

/** One attempt at a post: the management API's status code and body. */
export type PostAttempt = (connectionId: string, data: Uint8Array) => Promise<{ status: number; body: string }>;

/**
 * The retry rules of a post, over any way of making one attempt (signed HTTP here; the AWS
 * scale model in bench/ hands it a modelled management API).
 */
export class RetryingPoster implements ConnectionPoster {
  private readonly attempt: PostAttempt;
  private readonly maxAttempts: number;
  private readonly maxThrottledAttempts: number;

  public constructor(options: {
    attempt: PostAttempt;
    /** Attempts for a post that fails (5xx, no answer). @default 4 */
    maxAttempts?: number;
    /**
     * Attempts for a post that is throttled (429). API Gateway's account limit is a token
     * bucket (10,000 a second, 5,000 in a burst): a fan-out over it must wait for the bucket
     * to refill, not give up after a few tries: 100,000 posts take 9.5 s at the default
     * limit. @default 40 (waits of up to 1 s each, about 20 s in all on average)
     */
    maxThrottledAttempts?: number;
  }) {
    this.attempt = options.attempt;
    this.maxAttempts = options.maxAttempts ?? 4;
    this.maxThrottledAttempts = options.maxThrottledAttempts ?? 40;
  }

  public async post(connectionId: string, data: Uint8Array): Promise<PostOutcome> {
    let failures = 0;
    let throttles = 0;
    for (;;) {
      let status: number | undefined;
      let detail: string;
      let cause: unknown;
      try {
        const answer = await this.attempt(connectionId, data);
        status = answer.status;
        if (status >= 200 && status < 300) return 'sent';
        if (status === 410) return 'gone';
        detail = answer.body.slice(0, 200) || 'no body';
        if (!RETRYABLE(status)) throw new PushFailedError(connectionId, status, detail);
      } catch (error) {
        if (error instanceof PushFailedError) throw error;
        detail = error instanceof Error ? error.message : String(error);
        cause = error;
      }
      // Full jitter: a throttled burst spreads out instead of retrying in step. Throttling backs
      // off 50, 100 … up to 1,000 ms; failures 25, 50, 100 ms ….
      const wait =
        status === 429
          ? ++throttles >= this.maxThrottledAttempts
            ? undefined
            : Math.min(1_000, 50 * 2 ** (throttles - 1))
          : ++failures >= this.maxAttempts
            ? undefined
            : 25 * 2 ** (failures - 1);
      if (wait === undefined) throw new PushFailedError(connectionId, status, detail, { cause });
      await new Promise((resolve) => setTimeout(resolve, Math.random() * wait));
    }
  }
}

export class SignedHttpPoster implements ConnectionPoster {
  private readonly url: URL;
  private readonly signer: PostSigner;
  private readonly agent: HttpAgent | HttpsAgent;
  private readonly send: typeof httpRequest;
  private readonly timeoutMs: number;
  private readonly retrying: RetryingPoster;

  public constructor(options: SignedPosterOptions) {
    this.url = new URL(options.endpoint);
    this.signer = new PostSigner({ host: this.url.host, basePath: this.url.pathname.replace(/\/$/, ''), region: options.region, credentials: options.credentials });
    const secure = this.url.protocol === 'https:';
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 50, keepAliveMsecs: 1000 };
    this.agent = secure ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
    this.send = secure ? httpsRequest : httpRequest;
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.retrying = new RetryingPoster({ attempt: (id, data) => this.attempt(id, data), ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}) });
  }

  public post(connectionId: string, data: Uint8Array): Promise<PostOutcome> {
    return this.retrying.post(connectionId, data);
  }

  public close(): void {
    this.agent.destroy();
  }

  private async attempt(connectionId: string, data: Uint8Array): Promise<{ status: number; body: string }> {
    const headers = await this.signer.headersFor(connectionId, data);
    return new Promise((resolve, reject) => {
      const req = this.send(
        {
          agent: this.agent,
          method: 'POST',
          protocol: this.url.protocol,
          hostname: this.url.hostname,
          port: this.url.port || undefined,
          path: this.signer.pathFor(connectionId),
          headers,
          timeout: this.timeoutMs,
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(data);
    });
  }
}
