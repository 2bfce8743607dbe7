// There is no chroot: a node's "absolute" paths are rewritten into its root. Commands get every
// word-initial /etc, /var, /usr/libexec/podsec, /usr/bin/kubeadm (the native kubeadm, a program
// of the node's own), /root, /home, /opt, /run, /tmp prefixed with the node root (paths already
// inside the lab DIR are left alone); SFTP paths map the same way.
import { posix } from 'node:path';

// A node directory starting a word (at the start, or after whitespace or one of ' " = : > < ( ; |
// & ` { ,) and ending there or going on with a slash.
const pattern = /(^|[\s'"=:><(;|&`{,])(\/(?:etc|var|usr\/libexec\/podsec|usr\/bin\/kubeadm|root|home|opt|run|tmp))(?=\/|$|[\s'"=:><();|&`},*?[])/g;

export function rewriteCommand(command: string, root: string, labDir: string): string {
  return command.replace(pattern, (match, lead: string, path: string, offset: number) => {
    const at = offset + lead.length;
    if (command.startsWith(labDir + '/', at) || command.startsWith(root, at)) return match;
    return lead + root + path;
  });
}

/** An SFTP path (absolute, or relative to root's home /root) as a path inside the node root. */
export function virtualPath(path: string, home = '/root'): string {
  const absolute = path.startsWith('/') ? path : posix.join(home, path);
  return posix.normalize(absolute).replace(/\/+$/, '') || '/';
}

export function hostPath(root: string, path: string, home = '/root'): string {
  const v = virtualPath(path, home);
  return v === '/' ? root : root + v;
}

/** The node-visible form of a host path (a symlink target, say). */
export function toVirtual(root: string, hostFile: string): string {
  if (hostFile === root) return '/';
  return hostFile.startsWith(root + '/') ? hostFile.slice(root.length) : hostFile;
}
