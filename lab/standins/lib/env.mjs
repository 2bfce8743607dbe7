// Where a stand-in runs: the lab DIR, this node's name and root (from the env the lab sets), the
// lab's topology (DIR/lab.json), and the mapping of node paths ("/etc/hosts") to real files.
// On a testbed node (testbed/) the same three values also come from the node's /etc/lab/node.json,
// for commands whose environment `su -` or sudo cleared.
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';

/** A testbed node's own record of where it belongs ({LAB_DIR, LAB_NODE, LAB_NODE_ROOT}). */
const nodeFile = (() => {
  if (process.env.LAB_DIR) return {};
  try {
    return JSON.parse(readFileSync('/etc/lab/node.json', 'utf8'));
  } catch {
    return {};
  }
})();

function required(name) {
  const value = process.env[name] || nodeFile[name];
  if (!value) {
    process.stderr.write(`lab stand-in: ${name} is not set (run this program on a lab node)\n`);
    process.exit(127);
  }
  return value;
}

export const LAB_DIR = required('LAB_DIR');
export const NODE = required('LAB_NODE');
export const ROOT = required('LAB_NODE_ROOT');

/** The root directory of a node of this lab. */
export function rootOf(node = NODE) {
  return join(LAB_DIR, 'nodes', node);
}

/** The system directories a node has of its own (the lab rewrites commands the same way). */
const NODE_DIRS = /^\/(?:etc|var|usr\/libexec\/podsec|usr\/bin\/kubeadm|root|home|opt|run|tmp)(?:\/|$)/;

/** A path as a node sees it ("/etc/hosts"), or already rewritten by the lab, as a real file.
 * Other absolute paths (/dev/null, /proc/…, /usr/bin/…) are the host's, shared by all nodes. */
export function nodePath(p, node = NODE) {
  if (p === LAB_DIR || p.startsWith(LAB_DIR + '/')) return p;
  if (NODE_DIRS.test(p)) return rootOf(node) + p;
  return resolve(process.cwd(), p);
}

/** A node never sees where its root lives: host paths inside it read as node paths. */
export function nodeView(text) {
  return String(text).split(ROOT + '/').join('/');
}

let state;
/** DIR/lab.json: cluster info and the nodes (name, role, port, internalAddress). Read once:
 * a stand-in lives for one command. */
export function labState() {
  state ??= JSON.parse(readFileSync(join(LAB_DIR, 'lab.json'), 'utf8'));
  return state;
}

/** Forget the cached lab.json (the long-lived API server reads it afresh for every connection). */
export function refreshLabState() {
  state = undefined;
}

export function nodeInfo(name = NODE) {
  return labState().nodes.find((n) => n.name === name);
}

/** The node whose internal address (or name) is `host`. */
export function nodeByAddress(host) {
  return labState().nodes.find((n) => n.internalAddress === host || n.name === host);
}

/** The user the command runs as: LAB_USER (set by the sudo/su stand-ins or an SSH login), else
 * root; on a testbed node, where users are real, the process's own user. */
export function currentUser() {
  if (process.env.LAB_USER) return process.env.LAB_USER;
  return labState().testbed ? userInfo().username : 'root';
}

/** True when the SSH session has a pty (interactive programs need one): the lab says so with
 * LAB_TTY, a testbed node's real sshd gives a real terminal. */
export function onTerminal() {
  return process.env.LAB_TTY === '1' || process.stdin.isTTY === true;
}
