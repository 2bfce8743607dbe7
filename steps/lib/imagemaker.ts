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

/** gpg-agent's passphrase field, as pinentry-curses shows it in its dialog (English, Russian),
 * or as a line prompt (a loopback or tty pinentry). The dialog's text tells a new key's
 * passphrase, its repetition and an unlock apart; the same passphrase answers each. */
const PASSPHRASE_FIELD = '(?:Passphrase|Фраза-пароль|Enter passphrase|Введите фразу-пароль):\\s*$';

/**
 * Answers for `passwd` (ALT's pam_passwdqc, Linux-PAM's and shadow's wordings, English and
 * Russian) and `gpg2 --full-generate-key` (key type, size and expiry left at their defaults,
 * never expires, name, e-mail, comment, Okay — gpg's English and Russian prompts — then the
 * passphrase in pinentry's dialog, twice). Matched against what the terminal shows at the
 * cursor, so a prompt that follows an answer on the same line is read on its own.
 */
export function imagemakerAnswers(a: ImagemakerAnswers): PromptAnswer[] {
  return [
    { prompt: '(?:Re-type|Retype|Repeat|Re-enter|Повторите(?: ввод)?) (?:new|нового|новый) (?:password|пароль|пароля):\\s*$', send: a.password },
    { prompt: '(?:New|new|Enter new|Новый|Введите новый) (?:password|пароль):\\s*$', send: a.password },
    { prompt: '(?:Your selection|Ваш выбор)\\?\\s*$', send: '' },
    { prompt: '(?:What keysize do you want|Какой размер ключа Вам необходим)\\? \\([0-9]+\\)\\s*$', send: '' },
    { prompt: '(?:Key is valid for|Срок действия ключа)\\? \\(0\\)\\s*$', send: '0' },
    { prompt: '(?:Is this correct|Все верно)\\? \\(y/N\\)\\s*$', send: 'y' },
    { prompt: '(?:Real name|Ваше полное имя):\\s*$', send: a.realName },
    { prompt: '(?:Email address|Адрес электронной почты):\\s*$', send: a.email },
    { prompt: '(?:Comment|Примечание):\\s*$', send: a.comment ?? '' },
    { prompt: '(?:\\(O\\)kay/\\(Q\\)uit|\\(O\\)Принять/\\(Q\\)Выход)\\?\\s*$', send: 'O' },
    { prompt: PASSPHRASE_FIELD, send: a.passphrase },
  ];
}

/** The passphrase prompt of podsec-load-sign-oci's signing (gpg-agent's pinentry dialog), and
 * its platform question, printed as a whole line and then read (English, Russian). */
export function signingAnswers(passphrase: string, acceptPlatformMismatch: boolean): PromptAnswer[] {
  const answers: PromptAnswer[] = [{ prompt: PASSPHRASE_FIELD, send: passphrase }];
  if (acceptPlatformMismatch) answers.push({ prompt: '(?:Continue|Продолжать) \\(y/N\\)\\?\\s*$', send: 'y' });
  return answers;
}

/**
 * gpg-agent's default constraints on a new passphrase (min-passphrase-len 8,
 * min-passphrase-nonalpha 1): a weaker one makes it show a warning dialog with buttons only,
 * which no answer can take. Why this passphrase would be refused, or undefined.
 */
export function passphraseProblem(passphrase: string): string | undefined {
  if ([...passphrase].length < 8) return 'is shorter than 8 characters';
  if (!/[^\p{L}]/u.test(passphrase)) return 'has no digit or other non-letter character';
  return undefined;
}
