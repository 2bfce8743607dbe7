// The command line as commander gives it: help for a command, the version, suggestions for
// misspelt commands and options, completion scripts that real bash and zsh use, `--junit -`.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { command } from '../../engine/util/shell.js';
import { CLI, runCli } from '../helpers/cli.js';
import { localInventory, workdir, writePlaybook } from '../helpers/workdir.js';
import { Terminal } from '../report/terminal.js';
import { findAll, parseXml } from '../report/xml-check.js';

const exec = promisify(execFile);
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempdir(): string {
  const dir = workdir('podsec-cmd-');
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('commands, help and suggestions', () => {
  it('podsec-play help run prints run’s usage and options; --help lists every command', async () => {
    const help = await runCli(['help', 'run']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: podsec-play run \[options\] <playbook>/);
    expect(help.stdout).toContain('-i, --inventory <file>');
    expect(help.stdout).toContain('--junit <file>');
    const main = await runCli(['--help']);
    expect(main.code).toBe(0);
    for (const name of ['run', 'plan', 'validate', 'status', 'lab', 'demo', 'schema', 'completion', 'version', 'help']) {
      expect(main.stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
    }
    const none = await runCli([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: podsec-play COMMAND [options]');
  });

  it('podsec-play version and --version print the package version', async () => {
    for (const args of [['version'], ['--version'], ['-V']]) {
      const r = await runCli(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`${VERSION}\n`);
    }
  });

  it('a misspelt command or option gets a "did you mean" and exit 2', async () => {
    const cmd = await runCli(['valdiate', 'x.yaml']);
    expect(cmd.code).toBe(2);
    expect(cmd.stderr).toContain("podsec-play: unknown command 'valdiate'\n(Did you mean validate?)");
    const opt = await runCli(['run', 'x.yaml', '-i', 'y.yaml', '--jsno']);
    expect(opt.code).toBe(2);
    expect(opt.stderr).toContain("podsec-play: unknown option '--jsno'\n(Did you mean --json?)");
    const choice = await runCli(['plan', 'x.yaml', '-i', 'y.yaml', '--format', 'svg']);
    expect(choice.code).toBe(2);
    expect(choice.stderr).toContain('Allowed choices are text, json, mermaid, dot.');
    const missing = await runCli(['run', 'x.yaml']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '-i, --inventory <file>' not specified");
  });
});

describe('shell completion', () => {
  /** `podsec-play` on PATH, as an installed CLI would be. */
  function binDir(): string {
    const dir = tempdir();
    const bin = join(dir, 'podsec-play');
    writeFileSync(bin, `#!/bin/sh\nexec ${command(process.execPath, CLI)} "$@"\n`);
    chmodSync(bin, 0o755);
    return dir;
  }

  it('bash: the script completes commands, subcommands, options and option values', async () => {
    const script = join(tempdir(), 'podsec-play.bash');
    writeFileSync(script, (await runCli(['completion', 'bash'])).stdout);
    const complete = async (...words: string[]) => {
      const line = `source ${command(script)}; COMP_WORDS=(${words.map((w) => command(w)).join(' ')}); COMP_CWORD=${words.length - 1}; _podsec_play; printf '%s\\n' "\${COMPREPLY[@]}"`;
      const { stdout } = await exec('bash', ['-c', line]);
      return stdout.trim().split('\n').filter(Boolean);
    };
    expect(await complete('podsec-play', 'ru')).toEqual(['run']);
    expect(await complete('podsec-play', 'lab', '')).toEqual(['up', 'down', 'clock', 'help']);
    expect(await complete('podsec-play', 'run', 'pb.yaml', '--ju')).toEqual(['--junit']);
    expect(await complete('podsec-play', 'plan', 'pb.yaml', '--format', '')).toEqual(['text', 'json', 'mermaid', 'dot']);
    expect(await complete('podsec-play', 'lab', 'up', '--w')).toEqual(['--workers']);
    expect(await complete('podsec-play', 'completion', '')).toEqual(['bash', 'zsh']);
  });

  it('zsh: after compinit, Tab completes a command and lists an option’s choices', async () => {
    const bin = binDir();
    const term = await Terminal.start(`PATH=${command(bin)}:$PATH zsh -f -i`, 100, 20);
    cleanups.push(() => term.stop());
    await term.type('PS1="zsh> "', 'Enter');
    await term.waitFor('zsh> ');
    await term.type('autoload -U compinit && compinit -u && source <(podsec-play completion zsh) && echo LOADED', 'Enter');
    await term.waitFor(/^LOADED$/m);
    await term.type('podsec-play valid', 'Tab');
    await term.waitFor(/^zsh> podsec-play validate\s*$/m);
    await term.type('C-u', 'podsec-play plan pb.yaml --format ', 'Tab');
    const frame = await term.waitFor(/mermaid/);
    expect(frame).toMatch(/dot\s+json\s+mermaid\s+text/);
  });
});

describe('--junit -', () => {
  const playbook = (dir: string) => writePlaybook(dir, `name: j\nphases:\n  - name: main\n    hosts: all\n    steps:\n      - { id: hello, uses: shell, with: { run: echo hello } }\n`);

  it('is stdout with --quiet: the report and nothing else', async () => {
    const dir = tempdir();
    const r = await runCli(['run', playbook(dir), '-i', localInventory(dir), '--quiet', '--junit', '-'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.startsWith('<?xml')).toBe(true);
    // The preflight's suite first (h1 reachable), then the playbook's.
    const [preflight, testcase] = findAll(parseXml(r.stdout), 'testcase');
    expect(preflight!.attrs).toMatchObject({ classname: 'preflight.h1', name: 'reachable' });
    expect(testcase!.attrs).toMatchObject({ classname: 'main.h1', name: 'hello' });
    expect(existsSync(join(dir, '-'))).toBe(false);
  });

  it('is a usage error when the progress output or --json also goes to stdout, and no file named "-" appears', async () => {
    const dir = tempdir();
    for (const extra of [[], ['--plain'], ['--json']]) {
      const r = await runCli(['run', playbook(dir), '-i', localInventory(dir), ...extra, '--junit', '-'], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/podsec-play: --junit - writes the report to stdout, where .* already goes: add --quiet, or give a file name/);
    }
    expect(readdirSync(dir)).not.toContain('-');
    expect(existsSync(join(dir, '.podsec-play'))).toBe(false);
  });
});
