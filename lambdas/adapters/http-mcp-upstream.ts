/**
 * The upstream MCP server over Streamable HTTP: one POST per message, `Accept` both JSON and
 * an event stream, `Mcp-Session-Id` and `MCP-Protocol-Version` relayed, the answer read whole
 * (a request's event stream ends once its response is sent).
 */
import { McpUpstreamUnavailableError, type McpUpstream, type McpUpstreamReply, type McpUpstreamRequest } from '../ports/mcp-upstream';

export class HttpMcpUpstream implements McpUpstream {
  public constructor(private readonly timeoutMs: number) {}

  public async send(request: McpUpstreamRequest): Promise<McpUpstreamReply> {
    const signal = request.signal ? AbortSignal.any([request.signal, AbortSignal.timeout(this.timeoutMs)]) : AbortSignal.timeout(this.timeoutMs);
    let response: Response;
    try {
      response = await fetch(request.url, {
        method: 'POST',
        headers: {
          ...request.headers,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...(request.sessionId ? { 'mcp-session-id': request.sessionId } : {}),
          ...(request.protocolVersion ? { 'mcp-protocol-version': request.protocolVersion } : {}),
        },
        body: request.body,
        signal,
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new McpUpstreamUnavailableError(cause?.code ?? (error as Error).name, { cause: error });
    }
    const contentType = response.headers.get('content-type') ?? undefined;
    const sessionId = response.headers.get('mcp-session-id') ?? undefined;
    return { status: response.status, ...(contentType ? { contentType } : {}), ...(sessionId ? { sessionId } : {}), body: await response.text() };
  }
}
