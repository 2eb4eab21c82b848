/** The SDK's one way to call the REST API: JSON in and out, a timeout, typed errors. */
import { HaltApiError, HaltUnreachableError } from './errors';

export interface HttpClientOptions {
  /** The API's base URL, e.g. `http://127.0.0.1:4700` or `https://…/api/v1`. */
  readonly url: string;
  /** An API key (`halt_…`). */
  readonly key: string;
  /** Per request. @default 10000 */
  readonly timeoutMs?: number;
}

export interface RequestOptions {
  readonly body?: unknown;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
}

/** `…/v1`, whatever form the base URL was given in. */
export const apiBase = (url: string): string => {
  const trimmed = url.replace(/\/+$/, '');
  return trimmed.endsWith('/v1') ? trimmed : `${trimmed}/v1`;
};

export class HttpClient {
  private readonly base: string;
  private readonly key: string;
  private readonly timeoutMs: number;

  public constructor(options: HttpClientOptions) {
    if (!options.key) throw new TypeError('key: an API key is required (halt_…)');
    this.base = apiBase(options.url);
    this.key = options.key;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Call `method path` (path after `/v1`); resolves to the parsed body, or undefined for 204. */
  public async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const timeout = AbortSignal.timeout(options.timeoutMs ?? this.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.key}`,
          ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        signal,
      });
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      throw new HaltUnreachableError(`could not reach ${this.base}: ${(error as Error).message}`, { cause: error });
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch (error) {
      throw new HaltApiError(response.status, 'bad_response', `${method} ${path} answered ${response.status} with a body that is not JSON`, { cause: error });
    }
    if (!response.ok) {
      throw HaltApiError.fromBody(response.status, body, `${method} ${path} answered ${response.status}`);
    }
    return body as T;
  }
}
