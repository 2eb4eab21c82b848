/**
 * Where the CLI finds the control plane: `HALT_URL` / `HALT_KEY`, else the config file
 * (`HALT_CONFIG`, default `~/.config/halt/config.json`: `{"url": "...", "key": "halt_..."}`).
 * The key is never taken from a flag: flags end up in shell history.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export class CliConfigError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'CliConfigError';
  }
}

export interface CliConfig {
  url: string;
  key: string;
}

export const configFile = (env: NodeJS.ProcessEnv = process.env): string =>
  env.HALT_CONFIG ?? join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'halt', 'config.json');

export const loadCliConfig = (options: { url?: string; env?: NodeJS.ProcessEnv } = {}): CliConfig => {
  const env = options.env ?? process.env;
  const file = configFile(env);
  let fromFile: Partial<CliConfig> = {};
  if (existsSync(file)) {
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8')) as Partial<CliConfig>;
    } catch {
      throw new CliConfigError(`${file} is not valid JSON; it should look like {"url": "http://127.0.0.1:4700", "key": "halt_…"}`);
    }
  }
  const url = options.url ?? env.HALT_URL ?? fromFile.url;
  const key = env.HALT_KEY ?? fromFile.key;
  if (!url) throw new CliConfigError(`no control plane URL: set HALT_URL (e.g. http://127.0.0.1:4700), pass --url, or put "url" in ${file}`);
  if (!key) throw new CliConfigError(`no API key: set HALT_KEY, or put "key" in ${file} (local runtime: .halt/operator.key)`);
  return { url, key };
};
