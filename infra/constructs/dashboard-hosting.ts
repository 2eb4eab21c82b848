/**
 * The dashboard on S3 + CloudFront: a private bucket read only through origin access control,
 * and the REST API behind the same distribution at `/v1/*` (no caching, the Authorization
 * header passed through), so the dashboard calls its API on its own origin and needs no CORS.
 * `config.json` beside the app tells it where the WebSocket API is.
 */
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HttpVersion,
  OriginRequestPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { RestApiOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface DashboardHostingProps {
  /** The REST API to serve at `/v1/*`. */
  readonly restApi: RestApi;
  /** The WebSocket URL written into `config.json`. */
  readonly webSocketUrl: string;
  /** The built dashboard. @default infra/dashboard/dist (`npm run build:dashboard`) */
  readonly distDir?: string;
}

export class DashboardHosting extends Construct {
  public readonly bucket: Bucket;
  public readonly distribution: Distribution;
  /** `https://…cloudfront.net/`. */
  public readonly url: string;

  public constructor(scope: Construct, id: string, props: DashboardHostingProps) {
    super(scope, id);
    const distDir = props.distDir ?? join(__dirname, '..', 'dashboard', 'dist');
    if (!existsSync(join(distDir, 'index.html'))) {
      throw new Error(`DashboardHosting: ${distDir} holds no built dashboard; run \`npm run build:dashboard\` before synth`);
    }
    const logs = new Bucket(this, 'Logs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ expiration: Duration.days(90) }],
    });
    this.bucket = new Bucket(this, 'Site', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: logs,
      serverAccessLogsPrefix: 'site/',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.distribution = new Distribution(this, 'Cdn', {
      comment: `Halt dashboard (${Stack.of(this).stackName})`,
      defaultRootObject: 'index.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      enableLogging: true,
      logBucket: logs,
      logFilePrefix: 'cdn/',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
      },
      additionalBehaviors: {
        '/v1/*': {
          origin: new RestApiOrigin(props.restApi),
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: AllowedMethods.ALLOW_ALL,
          cachePolicy: CachePolicy.CACHING_DISABLED,
          originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        },
      },
    });
    new BucketDeployment(this, 'Deploy', {
      destinationBucket: this.bucket,
      sources: [Source.asset(distDir), Source.jsonData('config.json', { apiUrl: '/v1', wsUrl: props.webSocketUrl, region: Stack.of(this).region })],
      distribution: this.distribution,
      distributionPaths: ['/index.html', '/config.json'],
    });
    // BucketDeployment's handler (one per stack, a child of the stack) invalidates the
    // distribution afterwards, with CloudFront's Create/GetInvalidation on `*` (CDK's grant).
    // Accepted on that function alone, not stack-wide.
    const handler = Stack.of(this).node.children.find((child) => child.node.id.startsWith('Custom::CDKBucketDeployment'));
    if (!handler) throw new Error('DashboardHosting: BucketDeployment made no handler function; its IAM5 acknowledgement has nothing to scope to');
    Validations.of(handler).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'BucketDeployment invalidates the dashboard distribution after copying (cloudfront:CreateInvalidation/GetInvalidation, granted by CDK on *).',
    });
    this.url = `https://${this.distribution.distributionDomainName}/`;
  }
}
