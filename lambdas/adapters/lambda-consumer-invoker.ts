/** Runs the stream consumer function on a batch again: a synchronous invocation, its partial-batch answer read. */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import type { StreamConsumerInvoker } from '../ports/failed-batches';

export class LambdaConsumerInvoker implements StreamConsumerInvoker {
  public constructor(private readonly options: { client: LambdaClient; functionName: string }) {}

  public async run(event: DynamoDBStreamEvent): Promise<{ failed: number; error?: string }> {
    const result = await this.options.client.send(
      new InvokeCommand({ FunctionName: this.options.functionName, InvocationType: 'RequestResponse', Payload: Buffer.from(JSON.stringify(event)) }),
    );
    const text = result.Payload ? Buffer.from(result.Payload).toString('utf8') : '';
    if (result.FunctionError) {
      let message = text;
      try {
        const parsed = JSON.parse(text) as { errorType?: string; errorMessage?: string };
        message = `${parsed.errorType ?? 'Error'}: ${parsed.errorMessage ?? ''}`;
      } catch {
        // keep the raw text
      }
      return { failed: event.Records.length, error: message };
    }
    const response = (text ? JSON.parse(text) : {}) as DynamoDBBatchResponse | null;
    return { failed: response?.batchItemFailures?.length ?? 0 };
  }
}
