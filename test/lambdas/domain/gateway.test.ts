import { ActionDeniedError } from '../../../lambdas/domain/errors';
import { checkAction } from '../../../lambdas/domain/gateway';
import { globMatches } from '../../../lambdas/domain/globs';

describe('gateway action rules', () => {
  it('matches globs literally except for *', () => {
    expect(globMatches('email.*', 'email.send')).toBe(true);
    expect(globMatches('email.*', 'emailXsend')).toBe(false);
    expect(globMatches('*.delete', 'crm.records.delete')).toBe(true);
    expect(globMatches('crm.read', 'crm.read.all')).toBe(false);
  });

  it('lets everything through without a policy', () => {
    expect(() => checkAction({}, 'email.send')).not.toThrow();
  });

  it('lets deny win over allow', () => {
    const policy = { actions: { allow: ['email.*'], deny: ['email.bulk*'] } };
    expect(() => checkAction(policy, 'email.send')).not.toThrow();
    expect(() => checkAction(policy, 'email.bulk_send')).toThrow(ActionDeniedError);
  });

  it('refuses what a non-empty allow-list does not name', () => {
    expect(() => checkAction({ actions: { allow: ['email.send'] } }, 'sms.send')).toThrow(/not in the allow-list/);
  });
});
