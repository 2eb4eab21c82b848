/**
 * Closing the connections of a revoked key with the management API's `DeleteConnection`: a
 * WebSocket authorizer runs once, at `$connect`, so without this a revoked key's connection
 * would keep receiving (or acknowledging) for up to two hours. Rare, so the AWS SDK's client
 * serves it (pushes use the lean signer).
 */
import { DeleteConnectionCommand, type ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import type { ConnectionCloser } from '../../ports/notifier';
import type { ConnectionRepository } from '../dynamo/connections';

export class ManagementApiCloser implements ConnectionCloser {
  public constructor(private readonly options: { client: ApiGatewayManagementApiClient; connections: ConnectionRepository }) {}

  public async closeConnectionsOfKey(keyId: string): Promise<number> {
    const open = await this.options.connections.ofKey(keyId);
    await Promise.all(
      open.map(async (connection) => {
        try {
          await this.options.client.send(new DeleteConnectionCommand({ ConnectionId: connection.connectionId }));
        } catch (error) {
          // Already gone: nothing to close, only items to forget.
          if ((error as Error).name !== 'GoneException') throw error;
        }
        await this.options.connections.remove(connection.connectionId, connection);
      }),
    );
    return open.length;
  }
}
