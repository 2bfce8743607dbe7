// The remote command line for sudo / runAs / env: the sudo password never appears in it.
import { describe, expect, it } from 'vitest';
import {
  envReader,
  envScript,
  SUDO_PROMPT,
  usesSudo,
  wrapCommand,
  type WrapOptions,
} from '../../../engine/transport/ssh/command-line.js';

const base: WrapOptions = { sudo: false, loginUser: 'root', sudoMode: 'nopasswd' };

describe('wrapCommand', () => {
  it.each<[string, Partial<WrapOptions>, string]>([
    ['plain as root', {}, 'echo hi'],
    ['sudo ignored for root', { sudo: true }, 'echo hi'],
    ['env exported inline, quoted', { env: { A: "it's" } }, `export A='it'\\''s'; echo hi`],
    ['the env reader first, inside sudo', { sudo: true, loginUser: 'ops', prefix: 'READ; ' }, `sudo -n sh -c 'READ; echo hi'`],
    ['sudo -n for a user', { sudo: true, loginUser: 'ops' }, `sudo -n sh -c 'echo hi'`],
    ['sudo with the password on stdin', { sudo: true, loginUser: 'ops', sudoMode: 'stdin' }, `sudo -S -p '' sh -c 'echo hi'`],
    ['sudo answering its PTY prompt', { sudo: true, loginUser: 'ops', sudoMode: 'pty' }, `sudo -p '${SUDO_PROMPT}' sh -c 'echo hi'`],
    ['env inside sudo', { sudo: true, loginUser: 'ops', env: { X: '1' } }, `sudo -n sh -c 'export X=1; echo hi'`],
    ['runAs from root via su', { runAs: 'u7s-admin' }, `su -s /bin/sh u7s-admin -c 'echo hi'`],
    ['runAs from a user via sudo -u', { runAs: 'u7s-admin', loginUser: 'ops' }, `sudo -n -u u7s-admin -H sh -c 'echo hi'`],
    ['runAs the login user itself', { runAs: 'ops', loginUser: 'ops', sudo: true }, 'echo hi'],
    [
      'runAs from root on a terminal: the terminal lent to the user for the command',
      { runAs: 'imagemaker', pty: true },
      `t=$(tty 2>/dev/null) && o=$(stat -c %u "$t") && chown imagemaker "$t" && trap 'chown "$o" "$t"' EXIT; su -s /bin/sh imagemaker -c 'echo hi'`,
    ],
  ])('%s', (_title, options, expected) => {
    expect(wrapCommand('echo hi', { ...base, ...options })).toBe(expected);
  });

  it('refuses an environment variable name that is not one', () => {
    expect(() => wrapCommand('true', { ...base, env: { 'A;rm': 'x' } })).toThrow();
  });

  it.each<[Parameters<typeof usesSudo>[0], boolean]>([
    [{ sudo: true, loginUser: 'root' }, false],
    [{ sudo: true, loginUser: 'ops' }, true],
    [{ sudo: false, loginUser: 'ops' }, false],
    [{ sudo: false, loginUser: 'ops', runAs: 'other' }, true],
    [{ sudo: true, loginUser: 'ops', runAs: 'ops' }, false],
  ])('usesSudo(%j) = %s', (options, expected) => {
    expect(usesSudo(options)).toBe(expected);
  });

  it('builds the env script as one export line ending in a newline', () => {
    expect(envScript({ A: 'x y', B: 'multi\nline' })).toBe(`export A='x y' B='multi\nline'\n`);
    expect(envScript({})).toBeUndefined();
    expect(envScript(undefined)).toBeUndefined();
  });

  it('reads exactly the script\'s bytes, asking first on a PTY', () => {
    expect(envReader(42, 'stdin')).toBe(
      `__podsec_env=$(dd bs=1 count=42 2>/dev/null); eval "$__podsec_env"; unset __podsec_env; `,
    );
    expect(envReader(7, 'request')).toMatch(/^printf '\\036podsec-env\\n'; __podsec_env=\$\(dd bs=1 count=7 /);
  });
});
