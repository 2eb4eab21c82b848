/**
 * Pushes to WebSocket connections through the API Gateway management API (the real client;
 * locally it points at the local WebSocket gateway). Sends go out in parallel; a connection
 * that is gone (`GoneException`) is removed; any other failure is reported, not hidden.
 */
import type { ApiGatewayManagementApiClient} from '@aws-sdk/client-apigatewaymanagementapi';
import { GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import type { Agent } from '../../sdk/protocol/types';
import type { ControlMessage } from '../../sdk/protocol/messages';
import type { ConnectionRecord, ConnectionRepository } from './connections';
import type { AgentRecord } from './records';

export interface Notifier {
  /**
   * Send to every connection of the agent in this region (but those of `skipInstances`);
   * resolves to how many it reached.
   */
  pushToAgent(agentId: string, message: object, options?: { skipInstances?: ReadonlySet<string> }): Promise<number>;
  /**
   * Send an agent's new view to every watcher in this region. Given a function, the view is
   * built only when someone is watching (an acknowledgement from each of a thousand instances
   * would otherwise read the whole instance list a thousand times for no one).
   */
  pushToWatchers(agent: Agent | (() => Promise<Agent>)): Promise<number>;
  /** Send to one connection; false when it is gone. */
  send(connectionId: string, message: object): Promise<boolean>;
}

const encode = (message: object): Uint8Array => new TextEncoder().encode(JSON.stringify(message));

const TYPE_OF_STATUS = { killed: 'kill', paused: 'pause', active: 'resume' } as const;

/** What an agent's connections are told about its current status. */
export const controlMessage = (agent: AgentRecord): ControlMessage => ({
  type: TYPE_OF_STATUS[agent.status],
  agentId: agent.agentId,
  version: agent.version,
  reason: agent.statusReason,
  actor: agent.statusChangedBy,
  at: agent.statusChangedAt,
});

export class ApiGatewayNotifier implements Notifier {
  private readonly client: ApiGatewayManagementApiClient;
  private readonly connections: ConnectionRepository;
  private readonly onError: (error: Error, connectionId: string) => void;

  public constructor(options: {
    client: ApiGatewayManagementApiClient;
    connections: ConnectionRepository;
    onError: (error: Error, connectionId: string) => void;
  }) {
    this.client = options.client;
    this.connections = options.connections;
    this.onError = options.onError;
  }

  public async pushToAgent(agentId: string, message: object, options: { skipInstances?: ReadonlySet<string> } = {}): Promise<number> {
    const skip = options.skipInstances;
    const connections = await this.connections.ofAgent(agentId);
    return this.sendAll(skip ? connections.filter((c) => !c.instanceId || !skip.has(c.instanceId)) : connections, message);
  }

  public async pushToWatchers(agent: Agent | (() => Promise<Agent>)): Promise<number> {
    const watchers = await this.connections.watchers();
    if (watchers.length === 0) return 0;
    return this.sendAll(watchers, { type: 'agent', agent: typeof agent === 'function' ? await agent() : agent });
  }

  public async send(connectionId: string, message: object): Promise<boolean> {
    return this.post(connectionId, encode(message));
  }

  /** Post already-encoded data to one connection; false when it is gone (and now removed). */
  private async post(connectionId: string, data: Uint8Array): Promise<boolean> {
    try {
      await this.client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: data }));
      return true;
    } catch (error) {
      if (error instanceof GoneException || (error instanceof Error && error.name === 'GoneException')) {
        await this.connections.remove(connectionId);
        return false;
      }
      throw error;
    }
  }

  private async sendAll(connections: readonly ConnectionRecord[], message: object): Promise<number> {
    const data = encode(message); // once, not once per connection
    const results = await Promise.allSettled(connections.map((c) => this.post(c.connectionId, data)));
    let reached = 0;
    results.forEach((result, i) => {
      if (result.status === 'fulfilled') {
        if (result.value) reached++;
      } else {
        this.onError(result.reason instanceof Error ? result.reason : new Error(String(result.reason)), connections[i]?.connectionId ?? '');
      }
    });
    return reached;
  }
}
