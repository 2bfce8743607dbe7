// `podsec-imagemaker`: the master's `podsec-create-imagemakeruser [user[@repo]]`, which asks for
// the user's password (passwd) and runs the interactive `gpg2 --full-generate-key` under `su -`
// (whose passphrase gpg-agent asks through a pinentry-curses dialog). Both are answered over a
// PTY from secrets, by what the terminal shows, in English or Russian; the exported public key is
// the check. There is no non-interactive route here: the script calls gpg itself, for a user it
// creates the moment before, so no agent setting (loopback, a preset passphrase) can be put in
// place for it.
import { lendTerminal } from '../engine/util/lend-terminal.js';
import { quote } from '../engine/util/shell.js';
import { stepError } from './lib/fail.js';
import { defaultSignerEmail, DEFAULT_IMAGEMAKER, imagemakerAnswers, passphraseProblem, publicKeyPath, USER_PATTERN } from './lib/imagemaker.js';
import { exists, hostRemote, selfQuiet } from './lib/remote.js';
import { packageInstalled } from './lib/preflight-host.js';
import { defineStep } from '../engine/step-kind.js';

export interface PodsecImagemakerWith {
  user?: string;
  /** Registry path the user signs for (`user@repo`); default: podsec's (registry.local). */
  repo?: string;
  /** Login password of the user: `${{ secrets.IMAGEMAKER_PASSWORD }}`. */
  password: string;
  /** GPG key passphrase: `${{ secrets.GPG_PASSPHRASE }}`. */
  passphrase: string;
  realName?: string;
  email?: string;
  comment?: string;
}

export const podsecImagemakerStep = defineStep<PodsecImagemakerWith>({
  kind: 'podsec-imagemaker',
  description: 'Run podsec-create-imagemakeruser, answering passwd and gpg2 from secrets.',
  schema: {
    type: 'object',
    required: ['password', 'passphrase'],
    additionalProperties: false,
    properties: {
      user: { type: 'string', pattern: USER_PATTERN },
      repo: { type: 'string', pattern: '^[A-Za-z0-9._/-]+$' },
      password: { type: 'string', minLength: 1 },
      passphrase: { type: 'string', minLength: 1 },
      realName: { type: 'string', minLength: 5, pattern: '^[^\\n]+$' },
      email: { type: 'string', pattern: '^[^@\\s]+@[^@\\s]+$' },
      comment: { type: 'string', pattern: '^[^\\n()]*$' },
    },
  },
  outputs: () => [
    { name: 'user', secret: false },
    { name: 'email', secret: false },
    { name: 'publicKey', secret: false },
  ],
  title: (w) => `podsec-create-imagemakeruser ${w.user ?? DEFAULT_IMAGEMAKER}`,
  preflight: [packageInstalled('podsec', 'podsec-create-imagemakeruser')],
  async check(ctx, w) {
    const user = w.user ?? DEFAULT_IMAGEMAKER;
    if (!(await exists(selfQuiet(ctx), publicKeyPath(user)))) return { done: false };
    return { done: true, reason: `${publicKeyPath(user)} exists`, outputs: outputsFor(ctx, w) };
  },
  async run(ctx, w) {
    ctx.secret(w.password);
    ctx.secret(w.passphrase);
    const user = w.user ?? DEFAULT_IMAGEMAKER;
    const weak = passphraseProblem(w.passphrase);
    if (weak) {
      throw stepError(ctx, `the GPG passphrase ${weak}: gpg-agent would stop at its "insecure passphrase" warning (it wants at least 8 characters, one of them not a letter)`);
    }
    const out = outputsFor(ctx, w);
    const arg = w.repo === undefined ? user : `${user}@${w.repo}`;
    // The script runs `su - -c 'gpg2 --full-generate-key' USER`, whose pinentry must open this
    // terminal: lend it to podman, the new user's group (podsec-create-policy made it).
    await hostRemote(ctx).run(`${lendTerminal({ group: 'podman' })}podsec-create-imagemakeruser ${quote(arg)}`, {
      what: 'podsec-create-imagemakeruser',
      pty: true,
      answers: imagemakerAnswers({
        password: w.password,
        passphrase: w.passphrase,
        realName: w.realName ?? 'Image Maker',
        email: out.email as string,
        ...(w.comment === undefined ? {} : { comment: w.comment }),
      }),
    });
    if (!(await exists(selfQuiet(ctx), publicKeyPath(user)))) {
      throw stepError(ctx, `podsec-create-imagemakeruser finished but ${publicKeyPath(user)} was not exported`);
    }
    return out;
  },
});

function outputsFor(ctx: { cluster: Parameters<typeof defaultSignerEmail>[1] }, w: PodsecImagemakerWith): Record<string, string> {
  const user = w.user ?? DEFAULT_IMAGEMAKER;
  return { user, email: w.email ?? defaultSignerEmail(user, ctx.cluster), publicKey: publicKeyPath(user) };
}
