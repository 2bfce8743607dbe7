// How podsec's kubeadm wrapper reads its arguments (podsec-k8s/bin/podsec-u7s-kubeadm and
// usernetes/env/u7s_flags, alt-cloud/podsec commit 5014172), reproduced step by step:
//   opts=$(getopt -n kubeadm <the u7s_flags table> -- "$@" 2>&1)
//   if [ ! $? ]; then …exit 1; fi          # never true: getopt's errors are NOT caught
//   set -- $opts                          # word splitting, no quote removal
//   …every word before the first `--` is a "parameter", `eval cmd=$1` after it, the rest
//   (quotes cut off with ${1:1:-1}) is the "subcommand".
// So an option outside the table does not stop the wrapper: getopt's error message becomes part
// of the argument list ("kubeadm: unrecognized option '--ttl'"), and an error text that holds a
// `--` (an unknown short option: "invalid option -- 'f'") even shifts the command word.

const info = ['help', 'h'];
const global = ['v', 'add-dir-header', 'log-file', 'log-file-max-size', 'one-output', 'rootfs', 'skip-headers', 'skip-log-headers'];
const initJoin = ['apiserver-advertise-address', 'apiserver-bind-port', 'certificate-key', 'config', 'cri-socket', 'dry-run', 'ignore-preflight-errors', 'node-name', 'patches', 'skip-phases', 'token'];
const init = ['cert-dir', 'control-plane-endpoint', 'feature-gates', 'image-repository', 'kubernetes-version', 'pod-network-cidr', 'service-cidr', 'service-dns-domain', 'skip-certificate-key-print', 'skip-token-print', 'token-ttl', 'upload-certs'];
const join = ['control-plane', 'discovery-file', 'discovery-token', 'discovery-token-ca-cert-hash', 'discovery-token-unsafe-skip-ca-verification', 'tls-bootstrap-token'];
const upgrade = ['allow-experimental-upgrades', 'allow-release-candidate-upgrades', 'api-server-manifest', 'certificate-renewal', 'context-lines', 'c', 'controller-manager-manifest', 'etcd-upgrade', 'output', 'o', 'print-config', 'show-managed-fields', 'scheduler-manifest'];
const reset = ['cleanup-tmp-dir'];

/** KFLAGS: every flag the wrapper knows (the union of the lists above). */
export const KFLAGS = [...info, ...global, ...initJoin, ...init, ...join, ...upgrade, ...reset];

/** KFLAGSBOOLEAN: the flags that take no value. */
export const BOOLEAN = new Set([
  'help', 'h', 'skip-headers', 'skip-log-headers', 'dry-run', 'skip-certificate-key-print', 'skip-token-print', 'upload-certs',
  'control-plane', 'discovery-token-unsafe-skip-ca-verification', 'allow-experimental-upgrades', 'allow-release-candidate-upgrades',
  'certificate-renewal', 'etcd-upgrade', 'output', 'o', 'print-config', 'show-managed-fields', 'cleanup-tmp-dir',
]);

const quoteWord = (s) => `'${s.replace(/'/g, "'\\''")}'`;

/**
 * util-linux getopt(1) with `-o SHORT --long LONG…` (GNU getopt_long, permuting): returns what
 * it prints on stderr (errors) and stdout (the normalised arguments) and its exit code.
 */
export function getopt(args, { name = 'kubeadm', flags = KFLAGS, booleans = BOOLEAN } = {}) {
  const longs = flags.filter((f) => f.length > 1);
  const shorts = new Set(flags.filter((f) => f.length === 1));
  const errors = [];
  const options = [];
  const rest = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      rest.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const given = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const inline = eq < 0 ? undefined : a.slice(eq + 1);
      const exact = longs.find((l) => l === given);
      const candidates = exact ? [exact] : longs.filter((l) => l.startsWith(given));
      if (candidates.length === 0) {
        errors.push(`${name}: unrecognized option '--${given}'`);
        continue;
      }
      if (candidates.length > 1) {
        errors.push(`${name}: option '--${given}' is ambiguous; possibilities:${candidates.map((c) => ` '--${c}'`).join('')}`);
        continue;
      }
      const long = candidates[0];
      if (booleans.has(long)) {
        if (inline !== undefined) errors.push(`${name}: option '--${long}' doesn't allow an argument`);
        else options.push(`--${long}`);
        continue;
      }
      let value = inline;
      if (value === undefined) {
        if (i + 1 >= args.length) {
          errors.push(`${name}: option '--${long}' requires an argument`);
          continue;
        }
        value = args[++i];
      }
      options.push(`--${long}`, quoteWord(value));
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j];
        if (!shorts.has(c)) {
          errors.push(`${name}: invalid option -- '${c}'`);
          continue;
        }
        if (booleans.has(c)) {
          options.push(`-${c}`);
          continue;
        }
        let value = a.slice(j + 1);
        if (value === '') {
          if (i + 1 >= args.length) {
            errors.push(`${name}: option requires an argument -- '${c}'`);
            break;
          }
          value = args[++i];
        }
        options.push(`-${c}`, quoteWord(value));
        break;
      }
      continue;
    }
    rest.push(a);
  }
  const stdout = ` ${[...options, '--', ...rest.map(quoteWord)].join(' ')}`;
  return { stderr: errors.map((e) => `${e}\n`).join(''), stdout, exit: errors.length ? 1 : 0 };
}

/** ${1:1:-1}: the word without its first and last character. */
const cut = (w) => (w.length >= 2 ? w.slice(1, -1) : '');

/**
 * The wrapper's reading of its command line: `cmd` (first word after `--`), `subcommand` (the
 * remaining words, quotes cut), `pars` (the words before `--`), `flags` (FLAG_xxx values as the
 * KFLAGS table sets them) and `help`. `garbled` is getopt's error text when there was one: it
 * sits in `pars` like any parameter, and nothing stops the wrapper.
 */
export function readWrapperArgs(args) {
  const g = getopt(args);
  const opts = g.stderr + g.stdout;
  const words = opts.split(/[ \t\n]+/).filter(Boolean);
  const pars = [];
  let help = false;
  let i = 0;
  for (; i < words.length && words[i] !== '--'; i++) {
    pars.push(words[i]);
    if (words[i] === '-h' || words[i] === '--help') help = true;
  }
  i++;
  const after = words.slice(i);
  const cmd = after.length ? evalWord(after[0]) : '';
  const subcommand = after.slice(1).map(cut).join(' ');
  const flags = {};
  for (let j = 0; j < pars.length; ) {
    let par = pars[j].slice(1);
    if (par.startsWith('-')) par = par.slice(1);
    if (KFLAGS.includes(par)) flags[par] = BOOLEAN.has(par) ? '1' : cut(pars[j + 1] ?? '');
    j += BOOLEAN.has(par) ? 1 : 2;
  }
  return { cmd, subcommand, pars, flags, help, garbled: g.stderr.trim() || undefined };
}

/** `eval cmd=$1` on one word: shell quote removal (enough for getopt's '…' and '\'' quoting). */
function evalWord(w) {
  let out = '';
  for (let i = 0; i < w.length; i++) {
    const c = w[i];
    if (c === "'") {
      const end = w.indexOf("'", i + 1);
      out += end < 0 ? w.slice(i + 1) : w.slice(i + 1, end);
      i = end < 0 ? w.length : end;
    } else if (c === '\\' && i + 1 < w.length) out += w[++i];
    else out += c;
  }
  return out;
}

/** The native command line the wrapper hands to `machinectl shell … nsenter_u7s` for a
 * subcommand other than init/join: `/usr/bin/kubeadm $cmd $subcommand $pars`, word-split (the
 * quotes getopt put around values stay in). */
export function nativeArgs({ cmd, subcommand, pars }) {
  return [cmd, ...subcommand.split(' '), ...pars].filter((w) => w !== '');
}
