/** The local poller's event filter is the stack's: agent items, instances an acknowledgement wrote, and revoked keys. */
import type { DynamoDBRecord } from 'aws-lambda';
import { assertEventFilterQuota, passesStreamFilter } from '../../../infra/local/local-region';
import { PARTITION, STATE_STREAM_FILTERS } from '../../../lambdas/adapters/dynamo/table-schema';

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

  it('passes the fleet item and approvals written, not an approval removed', () => {
    const item = (eventName: 'INSERT' | 'MODIFY' | 'REMOVE', pk: string, sk: string): DynamoDBRecord => ({ eventName, dynamodb: { Keys: { pk: { S: pk }, sk: { S: sk } } } });
    expect(passesStreamFilter(item('INSERT', 'FLEET#ACTIONS', 'FLEET'))).toBe(true);
    expect(passesStreamFilter(item('MODIFY', 'FLEET#ACTIONS', 'FLEET'))).toBe(true);
    expect(passesStreamFilter(item('INSERT', `${PARTITION.approval}apr_1`, 'APPROVAL'))).toBe(true);
    expect(passesStreamFilter(item('MODIFY', `${PARTITION.approval}apr_1`, 'APPROVAL'))).toBe(true);
    expect(passesStreamFilter(item('REMOVE', `${PARTITION.approval}apr_1`, 'APPROVAL'))).toBe(false);
    // the open copy under the agent is not the approval
    expect(passesStreamFilter(item('INSERT', 'AGENT#mailer', 'APPROVAL#apr_1'))).toBe(false);
  });

  it("keeps to Lambda's five filters per event source mapping, and the local start refuses more", () => {
    expect(() => assertEventFilterQuota(STATE_STREAM_FILTERS)).not.toThrow();
    expect(() => assertEventFilterQuota([...STATE_STREAM_FILTERS, {}])).toThrow(/at most 5/);
  });
});
