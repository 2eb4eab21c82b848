/**
 * An upstream MCP server (Streamable HTTP), as the MCP gateway reaches it: one JSON-RPC message
 * POSTed with the registered headers; the answer relayed whole (JSON or `text/event-stream`).
 */
export interface McpUpstreamRequest {
  readonly url: string;
  /** The registered headers, decrypted (secrets: never logged). */
  readonly headers: Readonly<Record<string, string>>;
  /** The JSON-RPC message, serialised. */
  readonly body: string;
  /** `Mcp-Session-Id` the client holds with this upstream, relayed both ways. */
  readonly sessionId?: string;
  /** `MCP-Protocol-Version` the client negotiated, relayed. */
  readonly protocolVersion?: string;
  readonly signal?: AbortSignal;
}

export interface McpUpstreamReply {
  readonly status: number;
  /** `application/json`, `text/event-stream`, or none (202 for a notification). */
  readonly contentType?: string;
  readonly sessionId?: string;
  readonly body: string;
}

export interface McpUpstream {
  /** Throws `McpUpstreamUnavailableError` when the upstream cannot be reached (nothing was sent). */
  send(request: McpUpstreamRequest): Promise<McpUpstreamReply>;
}

/** The upstream did not answer: refused connection, DNS, timeout before any reply. */
export class McpUpstreamUnavailableError extends Error {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'McpUpstreamUnavailableError';
  }
}

/** Headers Halt sets itself on an upstream call: a registered header of these names is refused. */
export const RESERVED_UPSTREAM_HEADERS = ['accept', 'content-type', 'content-length', 'host', 'mcp-session-id', 'mcp-protocol-version', 'connection', 'transfer-encoding'] as const;
