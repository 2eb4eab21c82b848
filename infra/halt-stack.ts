/**
 * Halt in one region: the control plane construct, its outputs, and the cdk-nag findings it
 * accepts (each with its reason).
 */
import { CfnOutput, Stack, Token, Validations, type CfnElement, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ROUTES, type RouteDefinition } from '../lambdas/edge/route-table';
import { ROUTES_AFTER_CONNECT } from '../lambdas/edge/websocket/socket-routes';
import { HaltControlPlane, type HaltControlPlaneProps } from './constructs/halt-control-plane';

/** A stack's own props plus every option of the control plane (see HaltControlPlaneProps). */
export interface HaltStackProps extends StackProps, HaltControlPlaneProps {}

export class HaltStack extends Stack {
  public readonly controlPlane: HaltControlPlane;

  public constructor(scope: Construct, id: string, props: HaltStackProps = {}) {
    super(scope, id, props);
    const { replicaRegions, replicaOf, consistency, logLevel, logRetention, alarmAction, hardStopFunctionArns, dashboard } = props;
    this.controlPlane = new HaltControlPlane(this, 'Halt', {
      ...(replicaRegions ? { replicaRegions } : {}),
      ...(replicaOf ? { replicaOf } : {}),
      ...(consistency ? { consistency } : {}),
      ...(logLevel ? { logLevel } : {}),
      ...(logRetention ? { logRetention } : {}),
      ...(alarmAction ? { alarmAction } : {}),
      ...(hardStopFunctionArns ? { hardStopFunctionArns } : {}),
      ...(dashboard ? { dashboard } : {}),
    });
    const plane = this.controlPlane;
    new CfnOutput(this, 'RestApiUrl', { value: plane.restApi.url, description: 'Base URL of the Halt REST API (…/v1)' });
    new CfnOutput(this, 'WebSocketUrl', { value: plane.websocket.url, description: 'Where agents connect (wss://…)' });
    if (plane.dashboard) new CfnOutput(this, 'DashboardUrl', { value: plane.dashboard.url, description: 'The dashboard (and the API at /v1)' });
    new CfnOutput(this, 'StateTableName', { value: plane.table.tableName });
    new CfnOutput(this, 'EventBusName', { value: plane.eventBus.eventBusName });
    this.suppressAcceptedFindings();
  }

  /** cdk-nag findings Halt accepts, each with its reason. */
  private suppressAcceptedFindings(): void {
    const accepted = [
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'Every function writes its own logs through the AWS-managed basic execution role (logs only).',
      },
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason: 'API Gateway needs its account-level role to write execution logs; AWS manages that policy.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::<${this.stateTableLogicalId()}.Arn>/index/*]`,
        reason: 'Reads of the state table include its own list index (gsi1); the wildcard is limited to this table\'s indexes.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(this.controlPlane.pipeline.failedBatches.node.defaultChild as CfnElement)}.Arn>/aws/lambda/*]`,
        reason: 'Failed stream batches are objects Lambda names under aws/lambda/ in their own bucket: the consumer writes them, the replay routes read and remove them.',
      },
      {
        id: 'AwsSolutions-L1',
        reason: 'Halt deploys on nodejs22.x, the runtime it is built and tested for; moving to a newer one is a tested change.',
      },
      {
        id: 'AwsSolutions-APIG2',
        reason: 'Every handler validates its path, query and body with zod and answers a 400 naming the field (lambdas/http).',
      },
      {
        id: 'AwsSolutions-APIG3',
        reason: 'WAF is the deployer\'s choice (cost, rules); the API authenticates every route but health and throttles the stage.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::<HaltWebSocketConnectionsE6B0A6F2.Arn>/index/*]',
        reason: 'CDK grants on the connections table include its (absent) indexes; limited to that table.',
      },
      {
        id: 'AwsSolutions-COG4',
        reason: 'The API authenticates with Halt API keys through a Lambda REQUEST authorizer, not Cognito.',
      },
    ];
    const wsApi = this.getLogicalId(this.controlPlane.websocket.api.node.defaultChild as CfnElement);
    accepted.push({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:${this.region}:${Token.isUnresolved(this.account) ? '<AWS::AccountId>' : this.account}:<${wsApi}>/*/*/@connections/*]`,
      reason: 'Pushing needs execute-api:ManageConnections on @connections/*: connection ids are made at run time. Limited to this region\'s WebSocket API.',
    });
    for (const region of this.controlPlane.otherRegions) {
      accepted.push({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:${region}:${Token.isUnresolved(this.account) ? '<AWS::AccountId>' : this.account}:*/*/POST/@connections/*]`,
        reason: `A change is pushed straight to the instances connected in ${region} (POST @connections only); that region's API id is known there, from the region registry, not here.`,
      });
    }
    if (this.controlPlane.dashboard) {
      accepted.push(
        { id: 'AwsSolutions-CFR1', reason: 'Operators work from anywhere; no geo restriction is wanted.' },
        { id: 'AwsSolutions-CFR2', reason: 'WAF is the deployer\'s choice (cost, rules); every API call behind the distribution needs a Halt key.' },
        { id: 'AwsSolutions-CFR4', reason: 'The default *.cloudfront.net certificate cannot be pinned to TLS 1.2 by CloudFront; a custom domain with TLSv1.2_2021 is the deployer\'s choice.' },
        { id: 'AwsSolutions-S1', reason: 'The log bucket receives the site bucket\'s and CloudFront\'s access logs; logging it to itself would loop.' },
        { id: 'AwsSolutions-IAM5[Action::s3:GetBucket*]', reason: 'BucketDeployment copies the built dashboard into its own bucket (CDK-managed grants).' },
        { id: 'AwsSolutions-IAM5[Action::s3:GetObject*]', reason: 'BucketDeployment copies the built dashboard into its own bucket (CDK-managed grants).' },
        { id: 'AwsSolutions-IAM5[Action::s3:List*]', reason: 'BucketDeployment copies the built dashboard into its own bucket (CDK-managed grants).' },
        { id: 'AwsSolutions-IAM5[Action::s3:DeleteObject*]', reason: 'BucketDeployment replaces the dashboard\'s files in its own bucket (CDK-managed grants).' },
        { id: 'AwsSolutions-IAM5[Action::s3:Abort*]', reason: 'BucketDeployment uploads into its own bucket (CDK-managed grants).' },
        {
          id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(this.controlPlane.dashboard.bucket.node.defaultChild as CfnElement)}.Arn>/*]`,
          reason: 'BucketDeployment writes the dashboard\'s files: every object of the site bucket, nothing else.',
        },
        {
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-${Token.isUnresolved(this.account) ? '<AWS::AccountId>' : this.account}-${this.region}/*]`,
          reason: 'BucketDeployment reads the dashboard bundle from the CDK bootstrap assets bucket.',
        },
      );
    }
    for (const finding of accepted) Validations.of(this).acknowledge(finding);
    for (const route of ROUTES_AFTER_CONNECT) {
      const cfnRoute = this.controlPlane.websocket.api.node.tryFindChild(`${route}-Route`);
      if (cfnRoute) {
        Validations.of(cfnRoute).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: 'A WebSocket is authorized once, at $connect (Halt key, agent binding); later routes run on that authorized connection.',
        });
      }
    }
    for (const route of Object.values(ROUTES) as RouteDefinition[]) {
      if (!route.access.public) continue;
      const method = this.controlPlane.restApi.api.root.resourceForPath(route.path).node.tryFindChild(route.method);
      if (method) {
        Validations.of(method).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `${route.method} ${route.path} is public by design (health checks, the API document): it needs no key and reveals no data.`,
        });
      }
    }
  }

  private stateTableLogicalId(): string {
    const table = this.controlPlane.table.node.defaultChild;
    return table ? this.getLogicalId(table as CfnElement) : 'none';
  }
}
