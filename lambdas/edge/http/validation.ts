/** Turns zod issues into one `ValidationError` that names the field and says how to fix it. */
import type { z } from 'zod';
import { ValidationError } from '../../domain/errors';

const describe = (issue: z.core.$ZodIssue, where: string): string => {
  const field = [where, ...issue.path.map(String)].filter(Boolean).join('.');
  if (issue.code === 'unrecognized_keys') {
    return `${field || where}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; remove ${issue.keys.length > 1 ? 'them' : 'it'}`;
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) return `${field}: is required`;
  return `${field}: ${issue.message}`;
};

/** Parse `input` with `schema`; `where` is `body`, `path` or `query`, as the caller sees it. */
export const parseWith = <S extends z.ZodType>(schema: S, input: unknown, where: string): z.infer<S> => {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const messages = result.error.issues.slice(0, 5).map((issue) => describe(issue, where));
  throw new ValidationError(messages.join('; '), { cause: result.error });
};
