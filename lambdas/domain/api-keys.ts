/**
 * API keys: 256-bit random secrets with a `halt_` prefix, stored only as SHA-256 hashes (a
 * slow hash adds nothing for a full-entropy secret). The key itself is returned once, at
 * creation, and never logged.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKeySummary } from '../../sdk/protocol/types';
import type { CreateKeyRequest } from '../../sdk/protocol/schemas';
import type { Caller, DomainContext } from './context';
import { AgentNotFoundError, KeyNotFoundError, UnauthorizedError } from './errors';
import type { ApiKeyRecord } from '../ports/records';

export const KEY_PREFIX = 'halt_';
const KEY_PATTERN = /^halt_[A-Za-z0-9_-]{43}$/;
/** `lastUsedAt` is refreshed at most this often, so auth does not write on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** When this container last noted each key's use: skips the write (a round trip) in between. */
const lastTouched = new Map<string, number>();

export const generateApiKey = (): string => `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;

export const hashApiKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

export const newKeyId = (): string => {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(20);
  return `key_${Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('')}`;
};

export const toKeySummary = (key: ApiKeyRecord): ApiKeySummary => ({
  keyId: key.keyId,
  name: key.name,
  role: key.role,
  ...(key.agentId ? { agentId: key.agentId } : {}),
  createdAt: key.createdAt,
  ...(key.lastUsedAt ? { lastUsedAt: key.lastUsedAt } : {}),
});

/** Build a new key record and the secret that goes with it. */
export const mintKey = (options: { name: string; role: ApiKeyRecord['role']; agentId?: string; now: Date; secret?: string }) => {
  const secret = options.secret ?? generateApiKey();
  const record: ApiKeyRecord = {
    keyId: newKeyId(),
    keyHash: hashApiKey(secret),
    name: options.name,
    role: options.role,
    ...(options.agentId ? { agentId: options.agentId } : {}),
    createdAt: options.now.toISOString(),
  };
  return { secret, record };
};

export const createKey = async (
  ctx: DomainContext,
  request: CreateKeyRequest,
): Promise<ApiKeySummary & { key: string }> => {
  if (request.agentId !== undefined) {
    const agent = await ctx.repository.getAgent(request.agentId, { consistent: true });
    if (!agent || agent.deleted) throw new AgentNotFoundError(request.agentId, 'agentId');
  }
  const { secret, record } = mintKey({ name: request.name, role: request.role, agentId: request.agentId, now: ctx.now() });
  await ctx.repository.putKey(record);
  return { ...toKeySummary(record), key: secret };
};

export const listKeys = async (ctx: DomainContext): Promise<ApiKeySummary[]> =>
  (await ctx.repository.listKeys()).map(toKeySummary);

export const revokeKey = async (ctx: DomainContext, keyId: string): Promise<void> => {
  const key = await ctx.repository.getKeyById(keyId);
  if (!key) throw new KeyNotFoundError(keyId);
  await ctx.repository.deleteKey(key);
};

/** Pull the key out of `Authorization: Bearer <key>` (or a bare token). */
export const bearerToken = (header: string | undefined): string | undefined => {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header.trim());
  return match?.[1];
};

/**
 * Who holds `secret`? Throws `UnauthorizedError` for a malformed, unknown or revoked key.
 * The stored hash is compared in constant time after the lookup.
 */
export const authenticate = async (ctx: DomainContext, secret: string | undefined): Promise<Caller> => {
  if (!secret || !KEY_PATTERN.test(secret)) throw new UnauthorizedError();
  const hash = hashApiKey(secret);
  const key = await ctx.repository.getKeyByHash(hash);
  if (!key || !timingSafeEqual(Buffer.from(key.keyHash, 'hex'), Buffer.from(hash, 'hex'))) {
    throw new UnauthorizedError('unknown or revoked API key: ask an operator for a valid key');
  }
  const now = ctx.now();
  if (now.getTime() - (lastTouched.get(key.keyId) ?? 0) >= LAST_USED_RESOLUTION_MS) {
    await ctx.repository.touchKey(key, now.toISOString(), new Date(now.getTime() - LAST_USED_RESOLUTION_MS).toISOString());
    lastTouched.set(key.keyId, now.getTime());
  }
  return { keyId: key.keyId, name: key.name, role: key.role, ...(key.agentId ? { agentId: key.agentId } : {}) };
};

/**
 * Make sure `secret` is an operator key (used by the local runtime at start). Returns false
 * when it already was one.
 */
export const ensureOperatorKey = async (ctx: DomainContext, secret: string, name: string): Promise<boolean> => {
  if (!KEY_PATTERN.test(secret)) {
    throw new Error(`HALT_OPERATOR_KEY must look like "halt_" followed by 43 base64url characters`);
  }
  const existing = await ctx.repository.getKeyByHash(hashApiKey(secret));
  if (existing) {
    if (existing.role !== 'operator') throw new Error('HALT_OPERATOR_KEY is already in use as a non-operator key');
    return false;
  }
  const { record } = mintKey({ name, role: 'operator', now: ctx.now(), secret });
  await ctx.repository.putKey(record);
  return true;
};
