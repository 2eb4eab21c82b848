/**
 * Push workers in AWS: each shard is an asynchronous invocation (`InvocationType: Event`) of
 * the push worker function, which Lambda accepts at once (202) and runs in parallel with the
 * others. Locally the same calls reach the Lambda stand-in, which runs them on worker threads.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { PushWorkers } from './fan-out-notifier';
import type { PushShard } from './push-shard';

/** Lambda takes at most 1 MB per asynchronous invocation; a shard is far below it. */
const MAX_ASYNC_PAYLOAD_BYTES = 1024 * 1024;

export class LambdaPushWorkers implements PushWorkers {
  public constructor(private readonly options: { readonly client: LambdaClient; readonly functionName: string }) {}

  public async dispatch(shard: PushShard): Promise<void> {
    const payload = Buffer.from(JSON.stringify(shard), 'utf8');
    if (payload.byteLength > MAX_ASYNC_PAYLOAD_BYTES) {
      throw new Error(`a shard of ${shard.connectionIds.length} connections is ${payload.byteLength} bytes, over Lambda's 1 MB for an asynchronous invocation`);
    }
    const { StatusCode } = await this.options.client.send(new InvokeCommand({ FunctionName: this.options.functionName, InvocationType: 'Event', Payload: payload }));
    if (StatusCode !== 202) throw new Error(`push worker ${this.options.functionName} answered ${StatusCode ?? 'nothing'} to an asynchronous invocation (202 expected)`);
  }
}
