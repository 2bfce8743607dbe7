// The /etc/hosts line podsec-create-policy writes (`IP registry.local sigstore.local
// trivy.local`): how to find it, and how to replace a node's copy without touching other lines.

export const REGISTRY_NAMES = ['registry.local', 'sigstore.local', 'trivy.local'] as const;

/** Does this hosts-file line name one of the podsec registry names? (Comments ignored.) */
export function namesRegistry(line: string): boolean {
  const fields = line.replace(/#.*/, '').trim().split(/\s+/);
  return fields.length > 1 && fields.slice(1).some((f) => (REGISTRY_NAMES as readonly string[]).includes(f));
}

/** The first line of a hosts file that names registry.local (or its siblings). */
export function registryLine(hosts: string): string | undefined {
  return hosts.split(/\r?\n/).find(namesRegistry)?.trim();
}

/**
 * `hosts` with every line naming a podsec registry name replaced by `line` (appended once,
 * where the first such line was, or at the end). Unchanged text when it is already so.
 */
export function withRegistryLine(hosts: string, line: string): string {
  const lines = hosts.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const out: string[] = [];
  let placed = false;
  for (const l of lines) {
    if (!namesRegistry(l)) {
      out.push(l);
    } else if (!placed) {
      out.push(line);
      placed = true;
    }
  }
  if (!placed) out.push(line);
  return `${out.join('\n')}\n`;
}

/** A shell command that deletes the registry lines from /etc/hosts in place (keeps the inode). */
export const REMOVE_REGISTRY_LINES =
  "sed -i -E '/^[^#]*[[:space:]](registry|sigstore|trivy)[.]local([[:space:]]|$)/d' /etc/hosts";

/** A shell test: does /etc/hosts name registry.local? */
export const HOSTS_NAME_REGISTRY = "grep -Eq '^[^#]*[[:space:]]registry[.]local([[:space:]]|$)' /etc/hosts";
