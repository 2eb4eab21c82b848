/**
 * The operator key of a local control plane: `HALT_OPERATOR_KEY` when given; otherwise one
 * made on first start, printed once and kept in `<state dir>/operator.key` (mode 0600).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureOperatorKey, generateApiKey } from '../../lambdas/domain/api-keys';
import type { DomainContext } from '../../lambdas/domain/context';

export interface OperatorKeyResult {
  readonly key: string;
  /** `env`: from HALT_OPERATOR_KEY; `file`: read from the state dir; `created`: made now. */
  readonly source: 'env' | 'file' | 'created';
  readonly file: string;
}

export const bootstrapOperatorKey = async (options: {
  ctx: DomainContext;
  stateDir: string;
  fromEnv?: string;
}): Promise<OperatorKeyResult> => {
  const file = join(options.stateDir, 'operator.key');
  if (options.fromEnv) {
    await ensureOperatorKey(options.ctx, options.fromEnv.trim(), 'operator');
    return { key: options.fromEnv.trim(), source: 'env', file };
  }
  if (existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim();
    await ensureOperatorKey(options.ctx, key, 'operator');
    return { key, source: 'file', file };
  }
  const key = generateApiKey();
  await ensureOperatorKey(options.ctx, key, 'operator');
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return { key, source: 'created', file };
};
