/**
 * The registry of upstream MCP servers (API.md "MCP gateway"): where each is and the headers it
 * needs. Header values are secrets: encrypted (`HeaderCipher`, bound to the server's name)
 * before they are stored, decrypted only to forward a call, never returned, never logged.
 */
import type { PutMcpServerRequest } from '../../sdk/protocol/schemas';
import type { Caller, DomainContext } from './context';
import { NotFoundError, ValidationError } from './errors';
import type { HeaderCipher } from '../ports/header-cipher';
import { RESERVED_UPSTREAM_HEADERS } from '../ports/mcp-upstream';
import type { McpServerRecord } from '../ports/records';

/** What anyone may see of a server: never the header values. */
export interface McpServerView {
  server: string;
  url: string;
  headerNames: string[];
  costUsd?: number;
}

export const toMcpServerView = (record: McpServerRecord): McpServerView => ({
  server: record.server,
  url: record.url,
  headerNames: record.headerNames,
  ...(record.costUsd !== undefined ? { costUsd: record.costUsd } : {}),
});

const contextOf = (server: string) => ({ halt: 'mcp-headers', server });

export const putMcpServer = async (
  ctx: DomainContext & { cipher: HeaderCipher },
  caller: Caller,
  server: string,
  request: PutMcpServerRequest,
): Promise<McpServerView> => {
  const headers = request.headers ?? {};
  const reserved = Object.keys(headers).find((name) => (RESERVED_UPSTREAM_HEADERS as readonly string[]).includes(name.toLowerCase()));
  if (reserved) throw new ValidationError(`body.headers.${reserved}: Halt sets this header itself; register only what the server needs (e.g. Authorization)`);
  const lower = Object.keys(headers).map((n) => n.toLowerCase());
  if (new Set(lower).size !== lower.length) throw new ValidationError('body.headers: a header is named twice (names are case-insensitive)');
  const names = Object.keys(headers).sort();
  const record: McpServerRecord = {
    server,
    url: request.url,
    headerNames: names,
    ...(request.costUsd !== undefined ? { costUsd: request.costUsd } : {}),
    ...(names.length > 0 ? { headersCiphertext: await ctx.cipher.encrypt(JSON.stringify(headers), contextOf(server)) } : {}),
    updatedAt: ctx.now().toISOString(),
    updatedBy: caller.name,
  };
  await ctx.repository.putMcpServer(record);
  return toMcpServerView(record);
};

export const listMcpServers = async (ctx: DomainContext): Promise<{ servers: McpServerView[] }> => ({
  servers: (await ctx.repository.listMcpServers()).map(toMcpServerView),
});

export const deleteMcpServer = async (ctx: DomainContext, server: string): Promise<void> => {
  if (!(await ctx.repository.deleteMcpServer(server))) throw new NotFoundError(`no MCP server "${server}" is registered; GET /v1/mcp-servers lists them`);
};

/** The server as the endpoint forwards to it, its headers decrypted. */
export const resolveMcpServer = async (
  ctx: DomainContext & { cipher: HeaderCipher },
  server: string,
): Promise<{ record: McpServerRecord; headers: Record<string, string> }> => {
  const record = await ctx.repository.getMcpServer(server);
  if (!record) throw new NotFoundError(`no MCP server "${server}" is registered; an operator registers it with PUT /v1/mcp-servers/${server}`);
  const headers = record.headersCiphertext ? (JSON.parse(await ctx.cipher.decrypt(record.headersCiphertext, contextOf(server))) as Record<string, string>) : {};
  return { record, headers };
};
