// Secrets in every form they take on their way out (issue 10, items 3 and 4): a secret with a
// single quote leaks through its shell-quoted form unless that form is masked too; a JSON-escaped
// or base64 copy likewise; and a secret shorter than 4 characters is masked where it stands as a
// whole token. First the masker alone, then the real CLI with every channel read: stdout, stderr,
// --json, the log file, JUnit, the journal's error records, status, and a real terminal.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Masker, REDACTED } from '../../engine/secrets/masker.js';
import { command, quote } from '../../engine/util/shell.js';
import { CLI, runCli, stopStrayProcesses } from '../helpers/cli.js';
import { localInventory, workdir, writePlaybook } from '../helpers/workdir.js';
import { Terminal } from '../report/terminal.js';

afterEach(stopStrayProcesses);

const QUOTED = "it's-a-secret x";
const JSONISH = 'q"uo\\te-pw';
const SHORT = 'q7z';

describe('the masker', () => {
  const m = new Masker();
  m.add(QUOTED);
  m.add(JSONISH);
  m.add(SHORT);

  it.each([
    ['raw', `token ${QUOTED} here`],
    ['shell-quoted', `echo ${quote(QUOTED)}`],
    ['shell-quoted inside sh -c', `sudo sh -c ${quote(`echo ${quote(QUOTED)}`)}`],
    ['JSON-escaped', JSON.stringify({ pw: QUOTED, other: JSONISH })],
    ['JSON-escaped and shell-quoted', JSON.stringify(`echo ${quote(QUOTED)}`)],
    ['base64', `data: ${Buffer.from(QUOTED).toString('base64')}`],
    ['base64 without padding', `token=${Buffer.from(JSONISH).toString('base64').replace(/=+$/, '')}`],
  ])('hides a secret %s', (_form, text) => {
    const out = m.mask(text);
    expect(out).toContain(REDACTED);
    for (const piece of ['s-a-secret', 'uo', Buffer.from(QUOTED).toString('base64').slice(0, 12), Buffer.from(JSONISH).toString('base64').slice(0, 12)]) {
      expect(out).not.toContain(piece);
    }
  });

  it.each([
    ['vrrp_password q7z', `vrrp_password ${REDACTED}`],
    ['auth_pass=q7z;', `auth_pass=${REDACTED};`],
    ['"q7z"', `"${REDACTED}"`],
    ['q7zq7z and xq7z and q7z_1 stay', 'q7zq7z and xq7z and q7z_1 stay'],
  ])('masks a short secret as a whole token: %s', (text, expected) => {
    expect(m.mask(text)).toBe(expected);
  });

  it('a one-character secret is hidden where it stands alone, and nowhere else', () => {
    const one = new Masker();
    one.add('7');
    expect(one.mask('exit 7')).toBe(`exit ${REDACTED}`);
    expect(one.mask('exit 17, step 7b')).toBe('exit 17, step 7b');
  });
});

/** Fails on purpose after printing every secret in several ways. */
function leakyPlaybook(dir: string): string {
  return writePlaybook(
    dir,
    `name: leaky
phases:
  - name: main
    hosts: all
    steps:
      - id: show
        uses: shell
        with:
          run: >-
            echo using \${{ secrets.QUOTED }};
            node -e 'console.log(JSON.stringify({ pw: process.argv[1] }))' \${{ secrets.JSONISH }};
            printf %s \${{ secrets.QUOTED }} | base64;
            echo vrrp_password \${{ secrets.VRRP }};
            echo failing with \${{ secrets.QUOTED }} >&2; exit 3
`,
  );
}

const ENV = { PODSEC_SECRET_QUOTED: QUOTED, PODSEC_SECRET_JSONISH: JSONISH, PODSEC_SECRET_VRRP: SHORT };

/** Every way the three secrets could show: raw, quoted, JSON-escaped, base64. */
function leaks(text: string): string[] {
  const found: string[] = [];
  for (const form of [QUOTED, quote(QUOTED), "s'\\''s-a-secret", 's-a-secret', JSONISH, JSON.stringify(JSONISH).slice(1, -1), Buffer.from(QUOTED).toString('base64')]) {
    if (text.includes(form)) found.push(form);
  }
  if (/(^|[^\p{L}\p{N}_])q7z([^\p{L}\p{N}_]|$)/u.test(text)) found.push(SHORT);
  return found;
}

describe('the CLI, every channel', () => {
  it('no form of a quoted, a JSON-escaped or a 3-character secret reaches stdout, stderr, --json, the log, JUnit, the journal errors or status', async () => {
    const dir = workdir();
    const inv = localInventory(dir);
    const pb = leakyPlaybook(dir);
    const log = join(dir, 'run.log');
    const junit = join(dir, 'junit.xml');
    const state = join(dir, 'state.json');
    const plain = await runCli(['run', pb, '-i', inv, '--plain', '--log-file', log, '--junit', junit, '--state', state], { cwd: dir, env: ENV });
    expect(plain.code, plain.stderr).toBe(1);
    const json = await runCli(['run', pb, '-i', inv, '--json', '--fresh', '--state', join(dir, 'state2.json')], { cwd: dir, env: ENV });
    expect(json.code).toBe(1);
    const status = await runCli(['status', '--state', state], { cwd: dir });
    const statusJson = await runCli(['status', '--state', state, '--json'], { cwd: dir });
    // The journal keeps no secret in its error records (outputs marked secret are another matter).
    const errors = readFileSync(state, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"error"'))
      .join('\n');
    const channels: Record<string, string> = {
      'plain stdout': plain.stdout,
      'plain stderr': plain.stderr,
      '--json stdout': json.stdout,
      '--json stderr': json.stderr,
      'log file': readFileSync(log, 'utf8'),
      JUnit: readFileSync(junit, 'utf8'),
      'journal errors': errors,
      status: status.stdout,
      'status --json': statusJson.stdout,
    };
    for (const [name, text] of Object.entries(channels)) expect(leaks(text), name).toEqual([]);
    // The program's output was there, masked.
    expect(json.stdout).toContain(`vrrp_password ${REDACTED}`);
    expect(json.stdout).toContain(`{\\"pw\\":\\"${REDACTED}\\"}`);
    expect(errors).toContain(REDACTED);
  });

  it('nor the terminal (the TUI)', async () => {
    const dir = workdir();
    const inv = localInventory(dir);
    const pb = leakyPlaybook(dir);
    const line = `cd ${command(dir)} && ${command(process.execPath, CLI, 'run', pb, '-i', inv)}; echo "EXIT=$?"`;
    const term = await Terminal.start(line, 160, 50, ENV);
    try {
      const frame = await term.waitFor(/EXIT=\d+/, { history: true });
      expect(frame).toContain('EXIT=1');
      expect(leaks(frame)).toEqual([]);
      expect(frame).toContain(REDACTED);
    } finally {
      await term.stop();
    }
  });
});
