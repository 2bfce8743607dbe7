// The image maker (podsec-create-imagemakeruser's `user[@repo]`): names, the signer e-mail
// podsec-load-sign-oci signs with, and the prompts its passwd and gpg2 ask on the terminal.
import type { Cluster } from '../../engine/model.js';
import type { PromptAnswer } from '../../engine/transport/types.js';

export const DEFAULT_IMAGEMAKER = 'imagemaker';
export const USER_PATTERN = '^[a-z_][a-z0-9_-]{0,31}$';

/** The default signer e-mail: `<user>@<cluster registry, or registry.local>`. */
export function defaultSignerEmail(user: string, cluster: Cluster): string {
  const domain = cluster.registry && cluster.registry.length > 0 ? cluster.registry : 'registry.local';
  return `${user}@${domain}`;
}

/** Where podsec-create-imagemakeruser exports the user's public key. */
export function publicKeyPath(user: string): string {
  return `/var/sigstore/keys/${user}.pgp`;
}

export interface ImagemakerAnswers {
  password: string;
  passphrase: string;
  realName: string;
  email: string;
  comment?: string;
}

/**
 * Answers for `passwd` (shadow and passwdqc wordings) and `gpg2 --full-generate-key` (key type,
 * size and expiry left at their defaults, never expires, name, e-mail, comment, Okay, then the
 * passphrase twice through a terminal pinentry).
 */
export function imagemakerAnswers(a: ImagemakerAnswers): PromptAnswer[] {
  return [
    { prompt: '(?:Retype|Re-type|Repeat|Re-enter) new password:\\s*$', send: a.password },
    { prompt: '(?:New|new|Enter new) password:\\s*$', send: a.password },
    { prompt: 'Your selection\\?\\s*$', send: '' },
    { prompt: 'What keysize do you want\\? \\([0-9]+\\)\\s*$', send: '' },
    { prompt: 'Key is valid for\\? \\(0\\)\\s*$', send: '0' },
    { prompt: 'Is this correct\\? \\(y/N\\)\\s*$', send: 'y' },
    { prompt: 'Real name:\\s*$', send: a.realName },
    { prompt: 'Email address:\\s*$', send: a.email },
    { prompt: 'Comment:\\s*$', send: a.comment ?? '' },
    { prompt: 'Change \\(N\\)ame, \\(C\\)omment, \\(E\\)mail or \\(O\\)kay/\\(Q\\)uit\\?\\s*$', send: 'O' },
    { prompt: '(?:Repeat|Re-enter|Please re-enter this) passphrase:?\\s*$', send: a.passphrase },
    { prompt: '(?:Enter )?[Pp]assphrase:\\s*$', send: a.passphrase },
  ];
}

/** The passphrase prompt of podsec-load-sign-oci's signing (gpg through a terminal pinentry). */
export function signingAnswers(passphrase: string, acceptPlatformMismatch: boolean): PromptAnswer[] {
  const answers: PromptAnswer[] = [{ prompt: '(?:Enter )?[Pp]assphrase:\\s*$', send: passphrase }];
  if (acceptPlatformMismatch) answers.push({ prompt: 'Continue \\(y/N\\)\\?\\s*$', send: 'y' });
  return answers;
}
