// Completion scripts for bash and zsh, generated from commander's command tree: for each command
// path (``, `run`, `lab up`, …) its subcommands, its options (and which take a value, a file, a
// directory or one of a few choices), and what its arguments are.
import type { Argument, Command, Option } from 'commander';

interface OptionInfo {
  flags: string[];
  description: string;
  /** undefined: a switch; 'file' | 'dir': a path; string[]: one of these. */
  value?: 'file' | 'dir' | string[];
}

interface PathInfo {
  path: string;
  subcommands: { name: string; summary: string }[];
  options: OptionInfo[];
  /** The choices of the first argument, when it has any (completion bash|zsh). */
  argChoices?: string[];
}

function optionInfo(o: Option): OptionInfo {
  const flags = [o.short, o.long].filter((f): f is string => typeof f === 'string');
  const info: OptionInfo = { flags, description: o.description };
  if (o.required || o.optional) {
    const choices = (o as Option & { argChoices?: string[] }).argChoices;
    info.value = choices?.length ? choices : /dir/i.test(o.flags) ? 'dir' : 'file';
  }
  return info;
}

function collect(command: Command, prefix: string, out: PathInfo[]): void {
  const help = command.createHelp();
  const visible = help.visibleCommands(command);
  const choices = (command.registeredArguments[0] as (Argument & { argChoices?: string[] }) | undefined)?.argChoices;
  out.push({
    path: prefix,
    subcommands: visible.map((c) => ({ name: c.name(), summary: c.summary() || c.description().split('\n')[0] || '' })),
    options: help.visibleOptions(command).map(optionInfo),
    ...(choices?.length ? { argChoices: choices } : {}),
  });
  for (const sub of visible) if (sub.name() !== 'help') collect(sub, prefix ? `${prefix} ${sub.name()}` : sub.name(), out);
}

function paths(root: Command): PathInfo[] {
  const out: PathInfo[] = [];
  collect(root, '', out);
  return out;
}

/** Single-quoted for the shell. */
function q(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

export function bashCompletion(root: Command): string {
  const name = root.name();
  const fn = `_${name.replace(/[^A-Za-z0-9]/g, '_')}`;
  const all = paths(root);
  const known = all.filter((p) => p.path).map((p) => q(p.path));
  const lines: string[] = [];
  lines.push(`# ${name} completion for bash: source <(${name} completion bash)`);
  lines.push(`${fn}() {`);
  lines.push('  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}" cmd="" i w next');
  lines.push('  for ((i = 1; i < COMP_CWORD; i++)); do');
  lines.push('    w="${COMP_WORDS[i]}"');
  lines.push('    [[ "$w" == -* ]] && continue');
  lines.push('    next="${cmd:+$cmd }$w"');
  lines.push(`    case "$next" in ${known.join('|')}) cmd="$next" ;; esac`);
  lines.push('  done');
  lines.push('  local subs="" opts=""');
  lines.push('  case "$cmd" in');
  for (const p of all) {
    const subs = p.subcommands.map((s) => s.name).join(' ');
    const opts = p.options.flatMap((o) => o.flags).join(' ');
    lines.push(`    ${q(p.path)}) subs=${q(subs)}; opts=${q(opts)} ;;`);
  }
  lines.push('  esac');
  lines.push('  case "$cmd:$prev" in');
  for (const p of all) {
    for (const o of p.options) {
      if (!o.value) continue;
      const pattern = o.flags.map((f) => q(`${p.path}:${f}`)).join('|');
      const action =
        o.value === 'file'
          ? 'COMPREPLY=($(compgen -f -- "$cur")); return'
          : o.value === 'dir'
            ? 'COMPREPLY=($(compgen -d -- "$cur")); return'
            : `COMPREPLY=($(compgen -W ${q(o.value.join(' '))} -- "$cur")); return`;
      lines.push(`    ${pattern}) ${action} ;;`);
    }
  }
  lines.push('  esac');
  lines.push('  if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "$opts" -- "$cur")); return; fi');
  lines.push('  if [[ -n "$subs" ]]; then COMPREPLY=($(compgen -W "$subs" -- "$cur")); return; fi');
  lines.push('  case "$cmd" in');
  for (const p of all) if (p.argChoices) lines.push(`    ${q(p.path)}) COMPREPLY=($(compgen -W ${q(p.argChoices.join(' '))} -- "$cur")); return ;;`);
  lines.push('  esac');
  lines.push('  COMPREPLY=($(compgen -f -- "$cur"))');
  lines.push('}');
  lines.push(`complete -o filenames -o bashdefault -F ${fn} ${name}`);
  return lines.join('\n') + '\n';
}

export function zshCompletion(root: Command): string {
  const name = root.name();
  const fn = `_${name.replace(/[^A-Za-z0-9]/g, '_')}`;
  const all = paths(root);
  const known = all.filter((p) => p.path).map((p) => q(p.path));
  const entry = (n: string, d: string) => q(`${n.replace(/:/g, '\\:')}:${d.replace(/\n/g, ' ')}`);
  const lines: string[] = [];
  lines.push(`#compdef ${name}`);
  lines.push(`# ${name} completion for zsh: source <(${name} completion zsh)   (after compinit)`);
  lines.push(`${fn}() {`);
  lines.push('  local cur="${words[CURRENT]}" prev="${words[CURRENT-1]}" cmd="" i w next');
  lines.push('  local -a subs opts');
  lines.push('  for ((i = 2; i < CURRENT; i++)); do');
  lines.push('    w="${words[i]}"');
  lines.push('    [[ "$w" == -* ]] && continue');
  lines.push('    next="${cmd:+$cmd }$w"');
  lines.push(`    case "$next" in (${known.join('|')}) cmd="$next" ;; esac`);
  lines.push('  done');
  lines.push('  case "$cmd" in');
  for (const p of all) {
    const subs = p.subcommands.map((s) => entry(s.name, s.summary)).join(' ');
    const opts = p.options.flatMap((o) => o.flags.map((f) => entry(f, o.description))).join(' ');
    lines.push(`    (${q(p.path)}) subs=(${subs}); opts=(${opts}) ;;`);
  }
  lines.push('  esac');
  lines.push('  case "$cmd:$prev" in');
  for (const p of all) {
    for (const o of p.options) {
      if (!o.value) continue;
      const pattern = o.flags.map((f) => q(`${p.path}:${f}`)).join('|');
      const action = o.value === 'file' ? '_files; return' : o.value === 'dir' ? '_files -/; return' : `compadd -- ${o.value.map(q).join(' ')}; return`;
      lines.push(`    (${pattern}) ${action} ;;`);
    }
  }
  lines.push('  esac');
  lines.push(`  if [[ "$cur" == -* ]]; then _describe -t options 'option' opts; return; fi`);
  lines.push(`  if (( \${#subs} )); then _describe -t commands 'command' subs; return; fi`);
  lines.push('  case "$cmd" in');
  for (const p of all) if (p.argChoices) lines.push(`    (${q(p.path)}) compadd -- ${p.argChoices.map(q).join(' ')}; return ;;`);
  lines.push('  esac');
  lines.push('  _files');
  lines.push('}');
  lines.push(`compdef ${fn} ${name}`);
  return lines.join('\n') + '\n';
}
