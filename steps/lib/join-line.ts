// Join material as kubeadm prints it (`kubeadm join ENDPOINT --token T
// --discovery-token-ca-cert-hash sha256:H [--control-plane --certificate-key K]`), parsed by
// strict patterns so that nothing but a real token, hash or key is ever taken for one.

export const TOKEN_RE = /\b[a-z0-9]{6}\.[a-z0-9]{16}\b/;
export const CA_HASH_RE = /\bsha256:[0-9a-f]{64}\b/;
export const CERT_KEY_RE = /^[0-9a-f]{64}$/;

export interface JoinMaterial {
  endpoint: string;
  token: string;
  /** Always `sha256:<64 hex>`. */
  caCertHash: string;
  certificateKey?: string;
}

/**
 * The `kubeadm join` command in `text` (kubeadm wraps it over lines with `\`), or undefined
 * when there is none with an endpoint, a token and a CA hash.
 */
export function parseJoinCommand(text: string): JoinMaterial | undefined {
  const flat = text.replace(/\\\r?\n/g, ' ');
  const lines = flat.split(/\r?\n/).filter((l) => /\bkubeadm\s+join\s/.test(l));
  // init prints a control-plane line (with --certificate-key) and a worker line: prefer the
  // one with a key, otherwise take the last.
  let found: JoinMaterial | undefined;
  for (const line of lines) {
    const parsed = parseOneJoinLine(line);
    if (!parsed) continue;
    if (found?.certificateKey === undefined || parsed.certificateKey !== undefined) found = parsed;
  }
  return found;
}

function parseOneJoinLine(line: string): JoinMaterial | undefined {
  const words = line.trim().split(/\s+/);
  const at = words.findIndex((w, i) => w === 'join' && words[i - 1]?.endsWith('kubeadm'));
  const endpoint = words[at + 1];
  if (at < 0 || endpoint === undefined || endpoint.startsWith('--')) return undefined;
  const flag = (name: string): string | undefined => {
    const i = words.indexOf(name);
    return i >= 0 ? words[i + 1] : undefined;
  };
  const token = flag('--token');
  const hash = flag('--discovery-token-ca-cert-hash');
  if (token === undefined || !isToken(token) || hash === undefined) return undefined;
  const caCertHash = normalizeCaHash(hash);
  if (caCertHash === undefined) return undefined;
  const key = flag('--certificate-key');
  const material: JoinMaterial = { endpoint, token, caCertHash };
  if (key !== undefined && CERT_KEY_RE.test(key)) material.certificateKey = key;
  return material;
}

export function isToken(value: string): boolean {
  return new RegExp(`^${TOKEN_RE.source}$`).test(value);
}

/** `sha256:<hex>` from `sha256:<hex>` or bare `<hex>`; undefined when it is neither. */
export function normalizeCaHash(value: string): string | undefined {
  const hex = value.startsWith('sha256:') ? value.slice('sha256:'.length) : value;
  return /^[0-9a-f]{64}$/.test(hex) ? `sha256:${hex}` : undefined;
}

/** The certificate key `kubeadm init phase upload-certs --upload-certs` prints on its last line. */
export function parseCertificateKey(text: string): string | undefined {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const last = lines[lines.length - 1];
  return last !== undefined && CERT_KEY_RE.test(last) ? last : undefined;
}

/**
 * Every value in `text` that looks like join material (tokens, certificate keys, CA hashes):
 * registered as secrets before any line of kubeadm's output can reach an event or a log.
 */
export function findSecretLike(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(new RegExp(TOKEN_RE.source, 'g'))) found.add(m[0]);
  for (const m of text.matchAll(/--certificate-key\s+([0-9a-f]{64})\b/g)) if (m[1]) found.add(m[1]);
  for (const m of text.matchAll(/(?:^|\n)\s*([0-9a-f]{64})\s*(?=\r?\n|$)/g)) if (m[1]) found.add(m[1]);
  for (const m of text.matchAll(new RegExp(CA_HASH_RE.source, 'g'))) found.add(m[0].slice('sha256:'.length));
  return [...found];
}
