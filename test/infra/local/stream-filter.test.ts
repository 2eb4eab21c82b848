/** The local poller's event filter is the stack's: agent items, instances an acknowledgement wrote, and revoked keys. */
import type { DynamoDBRecord } from 'aws-lambda';
import { passesStreamFilter } from '../../../infra/local/local-region';
import { PARTITION } from '../../../lambdas/adapters/dynamo/table-schema';

const record = (sk: string, newImage?: Record<string, { S: string }>): DynamoDBRecord => ({
  dynamodb: { Keys: { pk: { S: 'AGENT#mailer' }, sk: { S: sk } }, ...(newImage ? { NewImage: newImage } : {}) },
});

describe('stream filter (local poller)', () => {
  it('passes agent items and acknowledged instances, and nothing else', () => {
    expect(passesStreamFilter(record('AGENT'))).toBe(true);
    expect(passesStreamFilter(record('INSTANCE#i-1', { ackedAt: { S: '2026-12-02T09:05:00.000Z' } }))).toBe(true);
    // a heartbeat or $connect removed the mark; other items never carry it
    expect(passesStreamFilter(record('INSTANCE#i-1', { lastHeartbeatAt: { S: '2026-12-02T09:05:00.000Z' } }))).toBe(false);
    expect(passesStreamFilter(record('INSTANCE#i-1'))).toBe(false);
    expect(passesStreamFilter(record('USAGE#2026-12-02#local-1', { ackedAt: { S: 'x' } }))).toBe(false);
    expect(passesStreamFilter(record('AGENTS'))).toBe(false);
  });

  it("passes a key's by-id item only when it is removed (revoked), not its other writes", () => {
    const keyRecord = (eventName: 'INSERT' | 'MODIFY' | 'REMOVE', pk: string): DynamoDBRecord => ({ eventName, dynamodb: { Keys: { pk: { S: pk }, sk: { S: 'KEY' } } } });
    expect(passesStreamFilter(keyRecord('REMOVE', `${PARTITION.keyById}k-1`))).toBe(true);
    expect(passesStreamFilter(keyRecord('MODIFY', `${PARTITION.keyById}k-1`))).toBe(false); // lastUsedAt
    expect(passesStreamFilter(keyRecord('INSERT', `${PARTITION.keyById}k-1`))).toBe(false);
    expect(passesStreamFilter(keyRecord('REMOVE', `${PARTITION.keyByHash}abc`))).toBe(false);
  });
});
