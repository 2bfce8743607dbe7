// Command-line flags the way the Go tools (cobra) take them: --name value, --name=value, bool
// flags without a value, short aliases; an unknown flag is an error, like the real programs.
import { fail } from './main.mjs';

/**
 * spec: { name: 'string' | 'bool' | 'list' }, aliases: { '-f': 'filename' }.
 * Returns { flags, positionals }.
 */
export function parseFlags(args, spec, aliases = {}, program = 'command') {
  const flags = {};
  const positionals = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    let [name, value] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    name = aliases[name] ?? name.replace(/^--?/, '');
    const type = spec[name];
    if (!type) fail(`Error: unknown flag: ${arg.split('=')[0]}\nSee '${program} --help' for usage.`);
    if (type === 'bool') {
      flags[name] = value === undefined ? true : value !== 'false';
      continue;
    }
    if (value === undefined) {
      value = args[++i];
      if (value === undefined) fail(`Error: flag needs an argument: ${arg}`);
    }
    if (type === 'list') (flags[name] ??= []).push(value);
    else flags[name] = value;
  }
  return { flags, positionals };
}
