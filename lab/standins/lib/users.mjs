// Users and groups of a node, kept in its own /etc/passwd and /etc/group (the lab never touches
// the real ones). The effective user of a command is LAB_USER (see env.mjs).
import { chownSync, lchownSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readText, writeText, fileOf } from './files.mjs';
import { NODE, labState } from './env.mjs';

function table(path, node) {
  return (readText(path, node) ?? '').split('\n').filter(Boolean).map((l) => l.split(':'));
}

function save(path, rows, node) {
  writeText(path, rows.map((r) => r.join(':')).join('\n') + '\n', { node });
}

export function userEntry(name, node = NODE) {
  const row = table('/etc/passwd', node).find((r) => r[0] === name || r[2] === String(name));
  return row && { name: row[0], uid: Number(row[2]), gid: Number(row[3]), home: row[5], shell: row[6] };
}

export function groupEntry(name, node = NODE) {
  const row = table('/etc/group', node).find((r) => r[0] === name || r[2] === String(name));
  return row && { name: row[0], gid: Number(row[2]), members: (row[3] ?? '').split(',').filter(Boolean) };
}

function nextId(rows, from) {
  const used = new Set(rows.map((r) => Number(r[2])));
  let id = from;
  while (used.has(id)) id++;
  return id;
}

export function addGroup(name, { system = false } = {}, node = NODE) {
  const rows = table('/etc/group', node);
  if (rows.some((r) => r[0] === name)) return false;
  rows.push([name, 'x', String(nextId(rows, system ? 500 : 1000)), '']);
  save('/etc/group', rows, node);
  return true;
}

export function addUser(name, { home = `/home/${name}`, group, groups = [], shell = '/bin/bash', system = false } = {}, node = NODE) {
  const rows = table('/etc/passwd', node);
  if (rows.some((r) => r[0] === name)) return false;
  const uid = nextId(rows, system ? 500 : 1000);
  if (!group) {
    addGroup(name, { system }, node);
    group = name;
  }
  const gid = groupEntry(group, node)?.gid ?? uid;
  rows.push([name, 'x', String(uid), String(gid), '', home, shell]);
  save('/etc/passwd', rows, node);
  for (const g of groups) addToGroup(name, g, node);
  return true;
}

export function addToGroup(user, group, node = NODE) {
  const rows = table('/etc/group', node);
  const row = rows.find((r) => r[0] === group);
  if (!row) return false;
  const members = (row[3] ?? '').split(',').filter(Boolean);
  if (!members.includes(user)) members.push(user);
  row[3] = members.join(',');
  save('/etc/group', rows, node);
  return true;
}

/** Every group `user` belongs to (primary first). */
export function groupsOf(user, node = NODE) {
  const u = userEntry(user, node);
  if (!u) return [];
  const rows = table('/etc/group', node);
  const primary = rows.find((r) => Number(r[2]) === u.gid)?.[0];
  const rest = rows.filter((r) => (r[3] ?? '').split(',').includes(user)).map((r) => r[0]);
  return [...new Set([primary, ...rest].filter(Boolean))];
}

/** `chown [-R] USER:GROUP PATH` where the real script does it. Applied on a testbed node, whose
 * users are real (the image maker must own its home, podman_dev must own /var/sigstore); the lab
 * does not model ownership. */
export function applyOwner(path, user, group, { recursive = false } = {}, node = NODE) {
  if (!labState().testbed) return;
  const uid = user === undefined ? -1 : userEntry(user, node)?.uid;
  const gid = group === undefined ? -1 : groupEntry(group, node)?.gid;
  if (uid === undefined || gid === undefined) return;
  const walk = (file) => {
    const st = lstatSync(file);
    if (st.isSymbolicLink()) return lchownSync(file, uid, gid);
    chownSync(file, uid, gid);
    if (recursive && st.isDirectory()) for (const f of readdirSync(file)) walk(join(file, f));
  };
  walk(fileOf(path, node));
}
