/**
 * The IAM policy the stack synthesizes for each Halt function, resolved to what the local
 * runtime can compare requests against: intrinsic functions become ARNs with placeholders
 * (`{region}`, `{stateTable}`, …) that each local region fills in (local-iam.ts). Build-time
 * only (it loads aws-cdk-lib); `npm run local-iam` writes its result to function-policies.json,
 * and a template test fails when that file no longer matches the stack.
 */
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { HaltFunction } from '../../constructs/halt-function';
import { HaltStack } from '../../halt-stack';
import { HARD_STOP_FUNCTIONS, type FunctionPolicies, type PolicyStatement } from './policy';

type Intrinsic = string | { Ref: string } | { 'Fn::GetAtt': [string, string] } | { 'Fn::Join': [string, Intrinsic[]] };

/** What a resource's `Ref` and `Fn::GetAtt` stand for, by logical id. */
interface Symbols {
  readonly ref?: string;
  readonly attributes: Readonly<Record<string, string>>;
}

const PSEUDO: Readonly<Record<string, string>> = {
  'AWS::Partition': 'aws',
  'AWS::Region': '{region}',
  'AWS::AccountId': '{account}',
  'AWS::URLSuffix': 'amazonaws.com',
};

const resolve = (value: Intrinsic, symbols: ReadonlyMap<string, Symbols>, where: string): string => {
  if (typeof value === 'string') return value;
  if ('Ref' in value) {
    const resolved = PSEUDO[value.Ref] ?? symbols.get(value.Ref)?.ref;
    if (resolved === undefined) throw new Error(`${where}: no local meaning for Ref ${value.Ref}; add it to extract-policies.ts`);
    return resolved;
  }
  if ('Fn::GetAtt' in value) {
    const [id, attribute] = value['Fn::GetAtt'];
    const resolved = symbols.get(id)?.attributes[attribute];
    if (resolved === undefined) throw new Error(`${where}: no local meaning for Fn::GetAtt ${id}.${attribute}; add it to extract-policies.ts`);
    return resolved;
  }
  if ('Fn::Join' in value) {
    const [separator, parts] = value['Fn::Join'];
    return parts.map((part) => resolve(part, symbols, where)).join(separator);
  }
  throw new Error(`${where}: unsupported intrinsic ${JSON.stringify(value)}`);
};

const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Stand-ins for the stack's region, another region of the deployment and the account, replaced by placeholders once resolved. */
const SYNTH_REGION = 'xx-halt-1';
const SYNTH_OTHER_REGION = 'yy-halt-2';
const SYNTH_ACCOUNT = '123456789012';

/**
 * The stack as the local runtime models it: its own region with one other (grants on another
 * region's replica become `{otherRegion}`, which each local region fills with every other
 * region of the runtime), hard-stop functions as a placeholder.
 */
const buildStack = (): HaltStack => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return new HaltStack(app, 'Halt', {
    env: { region: SYNTH_REGION, account: SYNTH_ACCOUNT },
    replicaRegions: [SYNTH_OTHER_REGION],
    hardStopFunctionArns: [HARD_STOP_SENTINEL],
  });
};

/** A valid ARN standing for the hard-stop functions while synthesizing. */
const HARD_STOP_SENTINEL = `arn:aws:lambda:${SYNTH_REGION}:${SYNTH_ACCOUNT}:function:halt-hard-stop-functions`;

const placeholders = (resource: string): string =>
  resource === HARD_STOP_SENTINEL
    ? HARD_STOP_FUNCTIONS
    : resource.split(SYNTH_REGION).join('{region}').split(SYNTH_OTHER_REGION).join('{otherRegion}').split(SYNTH_ACCOUNT).join('{account}');

export const extractFunctionPolicies = (): FunctionPolicies => {
  const stack = buildStack();
  const plane = stack.controlPlane;
  const logicalId = (construct: IConstruct): string => stack.getLogicalId(construct.node.defaultChild as CfnElement);
  const table = (name: string) => ({
    ref: `{${name}}`,
    attributes: {
      Arn: `arn:aws:dynamodb:{region}:{account}:table/{${name}}`,
      StreamArn: `arn:aws:dynamodb:{region}:{account}:table/{${name}}/stream/*`,
    },
  });
  const symbols = new Map<string, Symbols>([
    [logicalId(plane.table), table('stateTable')],
    [logicalId(plane.websocket.connectionsTable), table('connectionsTable')],
    [logicalId(plane.eventBus), { ref: '{eventBus}', attributes: { Arn: 'arn:aws:events:{region}:{account}:event-bus/{eventBus}', Name: '{eventBus}' } }],
    [logicalId(plane.websocket.pushWorker), { ref: '{pushWorker}', attributes: { Arn: 'arn:aws:lambda:{region}:{account}:function:{pushWorker}' } }],
    [logicalId(plane.websocket.api), { ref: '{webSocketApi}', attributes: {} }],
    [logicalId(plane.pipeline.failedBatches), { ref: '{failedBatches}', attributes: { Arn: 'arn:aws:s3:::{failedBatches}' } }],
    [logicalId(plane.reminders.queue), { ref: 'http://{sqsEndpoint}/{account}/{remindersQueue}', attributes: { Arn: 'arn:aws:sqs:{region}:{account}:{remindersQueue}', QueueName: '{remindersQueue}', QueueUrl: 'http://{sqsEndpoint}/{account}/{remindersQueue}' } }],
    [logicalId(plane.pipeline.consumer), { ref: '{streamConsumer}', attributes: { Arn: 'arn:aws:lambda:{region}:{account}:function:{streamConsumer}' } }],
    // (Locally the header values are encrypted with a key file, not KMS: recorded, never called.)
    [stack.getLogicalId(plane.mcpHeaderKey.node.findChild('Key') as CfnElement), { ref: '{mcpHeaderKey}', attributes: { Arn: 'arn:aws:kms:{region}:{account}:key/{mcpHeaderKey}' } }],
  ]);

  const template = Template.fromStack(stack).toJSON() as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
  const resources = Object.entries(template.Resources);
  const functions: Record<string, PolicyStatement[]> = {};
  const settings: Record<string, { timeoutSeconds: number; memoryMb: number }> = {};
  const prefix = `${plane.node.path}/`;
  for (const fn of plane.node.findAll().filter((c): c is HaltFunction => c instanceof HaltFunction)) {
    const id = fn.node.path.slice(prefix.length);
    const role = fn.role;
    if (!role) throw new Error(`${id} has no role`);
    const roleId = logicalId(role);
    const roleResource = template.Resources[roleId];
    const managed = JSON.stringify(roleResource?.Properties.ManagedPolicyArns ?? []);
    // Logs only; the local runtime writes no CloudWatch logs, so it has nothing to check.
    if (!/^\[\{"Fn::Join":\["",\["arn:",\{"Ref":"AWS::Partition"\},":iam::aws:policy\/service-role\/AWSLambdaBasicExecutionRole"\]\]\}\]$/.test(managed)) {
      throw new Error(`${id}: managed policies other than AWSLambdaBasicExecutionRole (${managed}); model them in extract-policies.ts`);
    }
    if (roleResource?.Properties.Policies) throw new Error(`${id}: inline role policies are not modelled; model them in extract-policies.ts`);
    const statements = resources
      .filter(([, r]) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(`{"Ref":"${roleId}"}`))
      .flatMap(([, r]) => (r.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement)
      .map((statement): PolicyStatement => {
        const where = `${id} ${JSON.stringify(statement.Action)}`;
        if (statement.NotAction !== undefined || statement.NotResource !== undefined) throw new Error(`${where}: NotAction/NotResource are not modelled`);
        return {
          effect: statement.Effect as 'Allow' | 'Deny',
          actions: list(statement.Action as string | string[]),
          resources: list(statement.Resource as Intrinsic | Intrinsic[]).map((r) => placeholders(resolve(r, symbols, where))),
          ...(statement.Condition ? { condition: statement.Condition as PolicyStatement['condition'] } : {}),
        };
      });
    functions[id] = statements;
    const properties = template.Resources[logicalId(fn)]?.Properties ?? {};
    // Lambda's defaults when the template leaves them out: 3 s, 128 MB.
    settings[id] = { timeoutSeconds: Number(properties.Timeout ?? 3), memoryMb: Number(properties.MemorySize ?? 128) };
  }
  return {
    note: 'Generated by `npm run local-iam` from the synthesized stack; do not edit. The local runtime enforces these per function.',
    functions: Object.fromEntries(Object.entries(functions).sort(([a], [b]) => a.localeCompare(b))),
    settings: Object.fromEntries(Object.entries(settings).sort(([a], [b]) => a.localeCompare(b))),
  };
};

