/** Run the `halt` CLI in this process with the given environment, collecting what it prints. */
import { run } from '../../sdk/cli/main';

export const runCli = async (args: string[], env: { HALT_URL?: string; HALT_KEY: string }): Promise<{ code: number; out: string; err: string }> => {
  const out: string[] = [];
  const err: string[] = [];
  const previous = { HALT_URL: process.env.HALT_URL, HALT_KEY: process.env.HALT_KEY };
  const set = (name: 'HALT_URL' | 'HALT_KEY', value: string | undefined) => {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  };
  set('HALT_URL', env.HALT_URL ?? previous.HALT_URL);
  set('HALT_KEY', env.HALT_KEY);
  try {
    const code = await run(args, { out: (s) => out.push(s), err: (s) => err.push(s), isTty: false, confirm: async () => false });
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    set('HALT_URL', previous.HALT_URL);
    set('HALT_KEY', previous.HALT_KEY);
  }
};
