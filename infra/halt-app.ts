/**
 * The stacks of a Halt deployment, one per region: the first region's stack owns the global
 * state table with a replica in every other region; each other region runs a whole control
 * plane on its replica. `infra/app.ts` calls this with the regions from `-c regions=…`.
 */
import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { HaltStack } from './halt-stack';

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

export const parseRegions = (value: unknown, fallback: string | undefined): string[] => {
  const raw = typeof value === 'string' && value.trim() !== '' ? value : fallback;
  if (!raw) throw new Error('say which regions to deploy to: -c regions=us-east-1[,eu-west-1] (or set CDK_DEFAULT_REGION)');
  const regions = raw.split(',').map((r) => r.trim()).filter(Boolean);
  const bad = regions.filter((r) => !REGION.test(r));
  if (bad.length > 0) throw new Error(`-c regions: ${bad.join(', ')} is not an AWS region name such as eu-west-1`);
  if (new Set(regions).size !== regions.length) throw new Error('-c regions: list each region once');
  return regions;
};

export const buildHaltApp = (
  app: App,
  options: { regions: readonly string[]; account?: string; dashboard?: boolean; hardStopFunctionArns?: readonly string[] },
): HaltStack[] => {
  const [primaryRegion, ...others] = options.regions;
  if (!primaryRegion) throw new Error('buildHaltApp: name at least one region');
  const env = (region: string) => ({ region, ...(options.account ? { account: options.account } : {}) });
  const primary = new HaltStack(app, `Halt-${primaryRegion}`, {
    env: env(primaryRegion),
    replicaRegions: others,
    crossRegionReferences: others.length > 0,
    ...(options.dashboard ? { dashboard: true } : {}),
    ...(options.hardStopFunctionArns ? { hardStopFunctionArns: options.hardStopFunctionArns } : {}),
    description: `Halt: kill switch for AI agents (${primaryRegion}, owns the global state table)`,
  });
  const stacks = [primary];
  for (const region of others) {
    // The cross-region reference to the table's name also orders the deploys: the replica
    // exists once the primary stack has made it.
    stacks.push(
      new HaltStack(app, `Halt-${region}`, {
        env: env(region),
        replicaOf: { tableName: primary.controlPlane.table.tableName, writeRegion: primaryRegion, regions: options.regions, mcpKeyArn: primary.controlPlane.mcpHeaderKey.keyArn },
        ...(options.hardStopFunctionArns ? { hardStopFunctionArns: options.hardStopFunctionArns } : {}),
        crossRegionReferences: true,
        description: `Halt: kill switch for AI agents (${region}, replica of the state table in ${primaryRegion})`,
      }),
    );
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return stacks;
};
