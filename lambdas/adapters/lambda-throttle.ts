/** `FunctionThrottle` over the Lambda API, one client per region (taken from each ARN). */
import {
  DeleteFunctionConcurrencyCommand,
  GetFunctionConcurrencyCommand,
  LambdaClient,
  PutFunctionConcurrencyCommand,
} from '@aws-sdk/client-lambda';
import type { FunctionThrottle } from '../ports/hard-stop';

export class LambdaThrottle implements FunctionThrottle {
  private readonly clients = new Map<string, LambdaClient>();
  private readonly endpoint: string | undefined;
  private readonly credentials: { accessKeyId: string; secretAccessKey: string } | undefined;

  private readonly prepareClient: ((client: LambdaClient) => void) | undefined;

  public constructor(
    options: {
      endpoint?: string;
      credentials?: { accessKeyId: string; secretAccessKey: string };
      /** Called on each client built (the local runtime's IAM check). */
      prepareClient?: (client: LambdaClient) => void;
    } = {},
  ) {
    this.endpoint = options.endpoint;
    this.credentials = options.credentials;
    this.prepareClient = options.prepareClient;
  }

  public async getReservedConcurrency(functionArn: string): Promise<number | null> {
    const result = await this.client(functionArn).send(new GetFunctionConcurrencyCommand({ FunctionName: functionArn }));
    return result.ReservedConcurrentExecutions ?? null;
  }

  public async setReservedConcurrency(functionArn: string, value: number): Promise<void> {
    await this.client(functionArn).send(new PutFunctionConcurrencyCommand({ FunctionName: functionArn, ReservedConcurrentExecutions: value }));
  }

  public async clearReservedConcurrency(functionArn: string): Promise<void> {
    await this.client(functionArn).send(new DeleteFunctionConcurrencyCommand({ FunctionName: functionArn }));
  }

  private client(functionArn: string): LambdaClient {
    const region = functionArn.split(':')[3] ?? 'us-east-1';
    let client = this.clients.get(region);
    if (!client) {
      client = new LambdaClient({
        region,
        ...(this.endpoint ? { endpoint: this.endpoint } : {}),
        ...(this.credentials ? { credentials: this.credentials } : {}),
      });
      this.prepareClient?.(client);
      this.clients.set(region, client);
    }
    return client;
  }
}
