/**
 * IAM identity-policy evaluation, as much of it as Halt's policies use: an explicit Deny wins,
 * then any Allow whose action, resource and condition all match; otherwise the request is
 * implicitly denied
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
 * Actions match case-insensitively, resources case-sensitively, both with `*` and `?`.
 * Condition operators Halt does not use are refused when a policy is loaded, not guessed at.
 */

/** Where the stack's hard-stop function ARNs go: each local region puts its own list there. */
export const HARD_STOP_FUNCTIONS = '{hardStopFunctions}';

export type ConditionBlock = Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;

export interface PolicyStatement {
  readonly effect: 'Allow' | 'Deny';
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly condition?: ConditionBlock;
}

export interface FunctionPolicies {
  readonly note: string;
  /** Statements of each function's role, by function id (`Rest/KillAgent`). */
  readonly functions: Readonly<Record<string, readonly PolicyStatement[]>>;
  /** Each function's configured timeout and memory, as the stack synthesizes them. */
  readonly settings: Readonly<Record<string, { readonly timeoutSeconds: number; readonly memoryMb: number }>>;
}

/**
 * One request's authorization context: its action, the resource it acts on, and its condition
 * keys. A key the local runtime could not work out from the request is `null`: any condition on
 * it fails (closed), rather than `ForAllValues` passing on an empty set.
 */
export interface AuthorizationRequest {
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, readonly string[] | null>>;
}

const patterns = new Map<string, RegExp>();
const wildcard = (pattern: string, flags: string): RegExp => {
  const key = `${flags}:${pattern}`;
  let compiled = patterns.get(key);
  if (!compiled) {
    const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    compiled = new RegExp(`^${source}$`, flags);
    patterns.set(key, compiled);
  }
  return compiled;
};

const SUPPORTED_OPERATORS = ['StringEquals', 'StringLike', 'ArnLike', 'ArnEquals'] as const;
type Operator = (typeof SUPPORTED_OPERATORS)[number];

const parseOperator = (name: string): { qualifier: 'ForAllValues' | 'ForAnyValue' | undefined; operator: Operator } => {
  const [first, second] = name.split(':');
  const qualifier = second === undefined ? undefined : first;
  const operator = (second ?? first) as Operator;
  if ((qualifier !== undefined && qualifier !== 'ForAllValues' && qualifier !== 'ForAnyValue') || !SUPPORTED_OPERATORS.includes(operator)) {
    throw new Error(`condition operator ${name} is not modelled by the local runtime; add it to infra/local/iam/policy.ts`);
  }
  return { qualifier: qualifier as 'ForAllValues' | 'ForAnyValue' | undefined, operator };
};

const valueMatches = (operator: Operator, expected: string, actual: string): boolean =>
  operator === 'StringEquals' || operator === 'ArnEquals' ? expected === actual : wildcard(expected, '').test(actual);

const conditionHolds = (condition: ConditionBlock, context: AuthorizationRequest['context']): boolean =>
  Object.entries(condition).every(([name, keys]) => {
    const { qualifier, operator } = parseOperator(name);
    return Object.entries(keys).every(([key, expectedValue]) => {
      const expected = typeof expectedValue === 'string' ? [expectedValue] : expectedValue;
      const actual = context?.[key];
      if (actual === null) return false;
      const any = (value: string) => expected.some((e) => valueMatches(operator, e, value));
      if (qualifier === 'ForAllValues') return (actual ?? []).every(any);
      if (actual === undefined || actual.length === 0) return false;
      return actual.some(any);
    });
  });

const statementMatches = (statement: PolicyStatement, request: AuthorizationRequest): boolean =>
  statement.actions.some((action) => wildcard(action, 'i').test(request.action)) &&
  statement.resources.some((resource) => wildcard(resource, '').test(request.resource)) &&
  (statement.condition === undefined || conditionHolds(statement.condition, request.context));

export const isAllowed = (statements: readonly PolicyStatement[], request: AuthorizationRequest): boolean => {
  const matching = statements.filter((s) => statementMatches(s, request));
  return matching.length > 0 && matching.every((s) => s.effect === 'Allow');
};

/** Refuses (throws) a statement with a condition the evaluator would not understand. */
export const checkStatement = (statement: PolicyStatement): void => {
  for (const name of Object.keys(statement.condition ?? {})) parseOperator(name);
};
