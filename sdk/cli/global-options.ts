/**
 * Global options wherever a user puts them (`halt agents --json` as well as `halt --json
 * agents`), as `gh` and `kubectl` take them: moved before the subcommand ahead of parsing.
 * Everything after `--` is left alone.
 */

/** The root command's options: flags, and those that take a value. */
export const GLOBAL_FLAGS = ['--json'] as const;
export const GLOBAL_VALUE_OPTIONS = ['--url'] as const;

export const hoistGlobalOptions = (argv: readonly string[]): string[] => {
  const globals: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if ((GLOBAL_FLAGS as readonly string[]).includes(arg)) {
      globals.push(arg);
    } else if ((GLOBAL_VALUE_OPTIONS as readonly string[]).includes(arg) && i + 1 < argv.length) {
      globals.push(arg, argv[i + 1] as string);
      i++;
    } else if (GLOBAL_VALUE_OPTIONS.some((name) => arg.startsWith(`${name}=`))) {
      globals.push(arg);
    } else {
      rest.push(arg);
    }
  }
  return [...globals, ...rest];
};
