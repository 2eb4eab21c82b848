/**
 * Pushes straight to another region's connections: the endpoint comes from the region
 * registry; the first shard is posted by the caller, the others are handed to this region's
 * push workers with their target; a region not yet registered is reported, not guessed.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RegistryPeerPushes } from '../../../lambdas/adapters/push/peer-pushes';
import type { PushShard } from '../../../lambdas/adapters/push/push-shard';

describe('pushes to another region', () => {
  let server: Server;
  let endpoint: string;
  const posted: string[] = [];

  beforeAll(async () => {
    // Stands in for eu-west-1's management API: records each POST /@connections/{id}
    server = createServer((req, res) => {
      posted.push(decodeURIComponent((req.url ?? '').replace('/@connections/', '')));
      req.resume();
      req.on('end', () => res.writeHead(200).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const peersWith = (registered: boolean, dispatched: PushShard[], errors: Error[]) =>
    new RegistryPeerPushes({
      peers: ['eu-west-1'],
      lookup: async (names) => (registered ? names.map((region) => ({ region, managementEndpoint: endpoint })) : []),
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
      concurrency: 10,
      shardSize: 3,
      workers: { dispatch: async (shard) => void dispatched.push(shard) },
      onError: (error) => errors.push(error),
    });

  it('posts the first shard itself and hands the others, with their target, to push workers', async () => {
    posted.length = 0;
    const dispatched: PushShard[] = [];
    const peers = peersWith(true, dispatched, []);
    const ids = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7'];
    expect(await peers.push('eu-west-1', ids, { type: 'kill', version: 5 })).toBe(7);
    expect(posted.sort()).toEqual(['c1', 'c2', 'c3']);
    expect(dispatched.map((s) => s.connectionIds)).toEqual([['c4', 'c5', 'c6'], ['c7']]);
    expect(dispatched.every((s) => s.target?.region === 'eu-west-1' && s.target.endpoint === endpoint && JSON.parse(s.data).version === 5)).toBe(true);
    // what a worker does with one: post it to the target's endpoint
    expect(await peers.postShard(dispatched[1] as PushShard)).toEqual({ sent: 1, gone: 0, failed: 0 });
    expect(posted).toContain('c7');
  });

  it('tells no one, and says why, for a region missing from the registry', async () => {
    posted.length = 0;
    const errors: Error[] = [];
    const peers = peersWith(false, [], errors);
    expect(await peers.push('eu-west-1', ['c1'], { type: 'kill', version: 5 })).toBe(0);
    expect(posted).toEqual([]);
    expect(errors[0]?.message).toMatch(/not in the region registry/);
  });
});
