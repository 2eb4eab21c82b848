/** Checkpoints: an agent's progress, saved by name (instance id or work partition), in any status. */
import { requireAgent } from './agents';
import type { DomainContext } from './context';
import { CheckpointNotFoundError, PayloadTooLargeError } from './errors';

export const MAX_CHECKPOINT_BYTES = 64 * 1024;

export const saveCheckpoint = async (
  ctx: DomainContext,
  options: { agentId: string; name: string; data: unknown },
): Promise<{ savedAt: string }> => {
  const json = JSON.stringify(options.data);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > MAX_CHECKPOINT_BYTES) {
    throw new PayloadTooLargeError(`data: checkpoint is ${bytes} bytes; the limit is ${MAX_CHECKPOINT_BYTES} (64 KiB): keep a pointer, not the payload`);
  }
  await requireAgent(ctx, options.agentId);
  const savedAt = ctx.now().toISOString();
  await ctx.repository.putCheckpoint(options.agentId, { name: options.name, json, savedAt });
  return { savedAt };
};

export const loadCheckpoint = async (
  ctx: DomainContext,
  options: { agentId: string; name: string },
): Promise<{ data: unknown; savedAt: string }> => {
  await requireAgent(ctx, options.agentId);
  const checkpoint = await ctx.repository.getCheckpoint(options.agentId, options.name);
  if (!checkpoint) throw new CheckpointNotFoundError(options.agentId, options.name);
  return { data: JSON.parse(checkpoint.json) as unknown, savedAt: checkpoint.savedAt };
};

export const listCheckpoints = async (
  ctx: DomainContext,
  agentId: string,
): Promise<{ checkpoints: { name: string; savedAt: string }[] }> => {
  await requireAgent(ctx, agentId);
  const checkpoints = await ctx.repository.listCheckpoints(agentId);
  return { checkpoints: checkpoints.sort((a, b) => a.name.localeCompare(b.name)) };
};
