/**
 * The MCP gateway (API.md "MCP gateway"): Halt on the action path. An agent talks MCP
 * (Streamable HTTP, JSON-RPC over POST) to `POST /v1/mcp/{agentId}/{server}`; Halt forwards to
 * the registered upstream with headers the agent never holds. Every `tools/call` is first an
 * intent `mcp.<server>.<tool>` through the gateway (status, fleet action kills, action lists,
 * approvals, budgets, shadow mode); a refusal is a JSON-RPC error `-32003` carrying Halt's code.
 * `tools/list` leaves out what the agent may not call. Everything else is relayed as it is.
 */
import type { IntentResult } from '../../sdk/protocol/types';
import { APPROVAL_ID_PATTERN } from '../../sdk/protocol/schemas';
import { recordUsage } from './budget';
import { requireAgent } from './agents';
import type { Caller, DomainContext } from './context';
import { AgentKilledError, AgentPausedError, ApprovalRequiredError, HaltError } from './errors';
import { fleetKillOf } from './fleet-actions';
import { checkAction, submitIntent } from './gateway';
import type { McpServerRecord } from '../ports/records';
import { McpUpstreamUnavailableError, type McpUpstream, type McpUpstreamReply } from '../ports/mcp-upstream';

/** JSON-RPC error code of a call Halt refused (API.md). */
export const MCP_REFUSED = -32003;
/** JSON-RPC error code of an upstream that is down or answered what is not MCP. */
export const MCP_UPSTREAM_ERROR = -32004;
/** Where a client puts the approval it was given, in the call's `_meta`. */
export const MCP_APPROVAL_META = 'halt/approvalId';
/** The instance of an MCP intent when the client sends no `X-Halt-Instance-Id`. */
export const MCP_DEFAULT_INSTANCE = 'mcp';
/** How often a tools/call in flight looks whether its agent was stopped meanwhile. */
export const MCP_STOP_POLL_MS = 250;

const ACTION_PART = /^[A-Za-z0-9_.:/-]{1,100}$/;

type JsonRpcId = string | number | null;
interface JsonRpcMessage {
  jsonrpc: '2.0';
  id?: JsonRpcId;
  method?: string;
  params?: Record<string, unknown>;
  result?: unknown;
  error?: unknown;
}

export interface McpReply {
  readonly status: number;
  readonly contentType?: string;
  readonly sessionId?: string;
  readonly body: string;
}

/** The intent action of a tool of a server: `mcp.<server>.<tool>`. */
export const mcpAction = (server: string, tool: string): string => `mcp.${server}.${tool}`;

const jsonRpcError = (id: JsonRpcId, code: number, message: string, data?: Record<string, unknown>): McpReply => ({
  status: 200,
  contentType: 'application/json',
  body: JSON.stringify({ jsonrpc: '2.0', id, error: { code, message, ...(data ? { data } : {}) } }),
});

/** Halt's refusal as the JSON-RPC error an MCP client shows its model. */
export const refusalReply = (id: JsonRpcId, error: HaltError): McpReply =>
  jsonRpcError(id, MCP_REFUSED, error.message, { code: error.code, ...(error instanceof ApprovalRequiredError ? { approval: error.approval } : {}) });

const isMessage = (value: unknown): value is JsonRpcMessage =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && (value as { jsonrpc?: unknown }).jsonrpc === '2.0';

/** One server-sent event: its fields as sent, `data` joined. */
interface SseEvent {
  fields: [string, string][];
  data: string;
}

/** `text/event-stream` into its events (blank-line separated; `data:` lines joined by newlines; comments dropped). */
export const parseSse = (text: string): SseEvent[] =>
  text
    .replace(/\r\n?/g, '\n')
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const fields: [string, string][] = [];
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const name = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (name === 'data') data.push(value);
        else fields.push([name, value]);
      }
      return { fields, data: data.join('\n'), empty: fields.length === 0 && data.length === 0 };
    })
    // A block of comments only (a keep-alive) carries nothing to relay.
    .filter((event) => !event.empty)
    .map(({ fields, data }) => ({ fields, data }));

export const serializeSse = (events: readonly SseEvent[]): string =>
  events
    .map((e) => [...e.fields.map(([k, v]) => `${k}: ${v}`), ...(e.data === '' ? [] : e.data.split('\n').map((d) => `data: ${d}`))].join('\n') + '\n\n')
    .join('');

/**
 * Apply `transform` to every JSON-RPC message of an upstream reply (JSON or event stream).
 * Throws `SyntaxError` when the reply is not what MCP answers.
 */
export const mapReplyMessages = (reply: McpUpstreamReply, transform: (message: JsonRpcMessage) => JsonRpcMessage): McpUpstreamReply => {
  const type = reply.contentType?.split(';')[0]?.trim().toLowerCase();
  if (type === 'text/event-stream') {
    const events = parseSse(reply.body).map((event) => {
      if (event.data === '') return event;
      const message: unknown = JSON.parse(event.data);
      if (!isMessage(message)) throw new SyntaxError('an event of the stream is not a JSON-RPC message');
      return { ...event, data: JSON.stringify(transform(message)) };
    });
    return { ...reply, body: serializeSse(events) };
  }
  if (type === 'application/json') {
    const message: unknown = JSON.parse(reply.body);
    if (!isMessage(message)) throw new SyntaxError('the answer is not a JSON-RPC message');
    return { ...reply, body: JSON.stringify(transform(message)) };
  }
  if (reply.body.trim() === '') return reply;
  throw new SyntaxError(`the answer is ${reply.contentType ?? 'of no content type'}, not application/json or text/event-stream`);
};

export interface McpCall {
  readonly agentId: string;
  readonly instanceId: string;
  /** The registry entry, with its header values decrypted. */
  readonly server: McpServerRecord;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly sessionId?: string;
  readonly protocolVersion?: string;
  readonly signal?: AbortSignal;
}

/** Handle one MCP message from an agent: enforce, forward, and shape the answer. */
export const handleMcpMessage = async (ctx: DomainContext & { upstream: McpUpstream }, caller: Caller, call: McpCall): Promise<McpReply> => {
  const message = call.body;
  if (Array.isArray(message)) return { ...jsonRpcError(null, -32600, 'JSON-RPC batches are not part of MCP (2025-06-18): send one message a request'), status: 400 };
  if (!isMessage(message)) return { ...jsonRpcError(null, -32600, 'not a JSON-RPC 2.0 message: send {"jsonrpc":"2.0", ...}'), status: 400 };
  const id = message.id ?? null;
  const serverName = call.server.server;

  let admitted: { intent: IntentResult; costUsd: number } | undefined;
  if (message.method === 'tools/call') {
    const tool = message.params?.name;
    if (typeof tool !== 'string' || !ACTION_PART.test(tool)) {
      return jsonRpcError(id, -32602, 'params.name: a tool name (letters, digits, "_.:/-", at most 100) is required');
    }
    const meta = message.params?._meta as Record<string, unknown> | undefined;
    const approvalId = meta?.[MCP_APPROVAL_META];
    if (approvalId !== undefined && (typeof approvalId !== 'string' || !APPROVAL_ID_PATTERN.test(approvalId))) {
      return jsonRpcError(id, -32602, `params._meta["${MCP_APPROVAL_META}"]: must be an approval id such as "apr_…" (from the approval_required error)`);
    }
    const args = message.params?.arguments;
    const costUsd = call.server.costUsd ?? 0;
    try {
      const intent = await submitIntent(ctx, caller, call.agentId, {
        instanceId: call.instanceId,
        action: mcpAction(serverName, tool),
        ...(call.server.costUsd !== undefined ? { costUsd } : {}),
        ...(args !== undefined ? { payload: args } : {}),
        ...(typeof approvalId === 'string' ? { approvalId } : {}),
      });
      admitted = { intent, costUsd };
    } catch (error) {
      if (error instanceof HaltError && error.expose) return refusalReply(id, error);
      throw error;
    }
  }

  // A kill or pause while the tool runs cancels it: the upstream call is cut and told
  // `notifications/cancelled`, and the client gets the refusal.
  const watch = admitted ? watchForStop(ctx, call.agentId) : undefined;
  const signal = watch ? (call.signal ? AbortSignal.any([call.signal, watch.signal]) : watch.signal) : call.signal;
  /** One message to the upstream, in the client's session. */
  const forward = (sent: object, forwardSignal?: AbortSignal) =>
    ctx.upstream.send({
      url: call.server.url,
      headers: call.headers,
      body: JSON.stringify(sent),
      ...(call.sessionId ? { sessionId: call.sessionId } : {}),
      ...(call.protocolVersion ? { protocolVersion: call.protocolVersion } : {}),
      ...(forwardSignal ? { signal: forwardSignal } : {}),
    });
  let reply: McpUpstreamReply;
  try {
    reply = await forward(message, signal);
  } catch (error) {
    const stop = watch?.stopped();
    if (stop) {
      await forward({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: stop.message } }).catch(() => undefined);
      return refusalReply(id, stop);
    }
    if (!(error instanceof McpUpstreamUnavailableError)) throw error;
    // Nothing reached the tool: the admitted call is taken back off the budget.
    if (admitted) await recordUsage(ctx, call.agentId, { intents: -1, costUsd: -admitted.costUsd });
    return jsonRpcError(id, MCP_UPSTREAM_ERROR, `the MCP server "${serverName}" did not answer: ${error.message}; nothing was called, retry later`, { code: 'upstream_unavailable' });
  } finally {
    watch?.close();
  }

  const visible = message.method === 'tools/list' ? await toolVisibility(ctx, call.agentId, serverName) : undefined;
  try {
    const shaped = mapReplyMessages(reply, (answer) => {
      if (visible && answer.id === message.id && isToolList(answer.result)) {
        return { ...answer, result: { ...answer.result, tools: answer.result.tools.filter((t) => typeof t?.name === 'string' && visible(t.name)) } };
      }
      if (admitted?.intent.wouldRefuse && answer.id === message.id && answer.result && typeof answer.result === 'object') {
        // Shadow mode: the client sees what the policy would have done.
        const result = answer.result as Record<string, unknown>;
        const meta = (result._meta as Record<string, unknown> | undefined) ?? {};
        return { ...answer, result: { ...result, _meta: { ...meta, 'halt/wouldRefuse': admitted.intent.wouldRefuse } } };
      }
      return answer;
    });
    return { status: shaped.status, ...(shaped.contentType ? { contentType: shaped.contentType } : {}), ...(shaped.sessionId ? { sessionId: shaped.sessionId } : {}), body: shaped.body };
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return jsonRpcError(id, MCP_UPSTREAM_ERROR, `the MCP server "${serverName}" answered what is not MCP (${error.message})`, { code: 'upstream_invalid' });
  }
};

const isToolList = (result: unknown): result is { tools: { name?: unknown }[] } & Record<string, unknown> =>
  typeof result === 'object' && result !== null && Array.isArray((result as { tools?: unknown }).tools);

/** Which tools of `server` the agent may call: not denied by its action lists, not killed fleet-wide. */
const toolVisibility = async (ctx: DomainContext, agentId: string, server: string): Promise<(tool: string) => boolean> => {
  const [agent, fleet] = await Promise.all([requireAgent(ctx, agentId), ctx.repository.getFleetActions({ consistent: true })]);
  return (tool) => {
    const action = mcpAction(server, tool);
    if (fleetKillOf(fleet, action)) return false;
    try {
      checkAction(agent.policy, action);
      return true;
    } catch {
      // Shadow mode lists what it would refuse: the call is admitted anyway.
      return agent.policy.mode === 'shadow';
    }
  };
};

/**
 * Look at the agent every `MCP_STOP_POLL_MS` (strongly consistent, stop markers applied) while
 * a call is in flight; `signal` aborts once it is killed or paused, `stopped()` says how.
 */
const watchForStop = (ctx: DomainContext, agentId: string): { signal: AbortSignal; stopped: () => HaltError | undefined; close: () => void } => {
  const controller = new AbortController();
  let stop: HaltError | undefined;
  let looking = false;
  const timer = setInterval(() => {
    if (looking || stop) return;
    looking = true;
    requireAgent(ctx, agentId)
      .then((agent) => {
        if (agent.status === 'active') return;
        stop = agent.status === 'killed' ? new AgentKilledError(agentId, agent.statusReason) : new AgentPausedError(agentId, agent.statusReason);
        controller.abort(stop);
      })
      .catch(() => undefined)
      .finally(() => {
        looking = false;
      });
  }, MCP_STOP_POLL_MS);
  timer.unref();
  return { signal: controller.signal, stopped: () => stop, close: () => clearInterval(timer) };
};
