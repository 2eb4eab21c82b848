import { hoistGlobalOptions } from '../../sdk/cli/global-options';

describe('global CLI options wherever they are put', () => {
  it('moves --json and --url (both forms) before the subcommand, keeping the rest in order', () => {
    expect(hoistGlobalOptions(['agents', '--json'])).toEqual(['--json', 'agents']);
    expect(hoistGlobalOptions(['kill', 'mailer', '--url', 'http://h:1', '--reason', 'x', '--json'])).toEqual(['--url', 'http://h:1', '--json', 'kill', 'mailer', '--reason', 'x']);
    expect(hoistGlobalOptions(['status', 'a', '--url=http://h:1'])).toEqual(['--url=http://h:1', 'status', 'a']);
    expect(hoistGlobalOptions(['--json', 'agents'])).toEqual(['--json', 'agents']);
  });

  it('leaves everything after -- alone', () => {
    expect(hoistGlobalOptions(['policy', 'set', 'a', '--', '--json'])).toEqual(['policy', 'set', 'a', '--', '--json']);
  });
});
