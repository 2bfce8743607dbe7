// Small file helpers for the stand-ins: node paths in, real files out; writes are atomic.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { nodePath, NODE } from './env.mjs';

export function fileOf(p, node = NODE) {
  return nodePath(p, node);
}

export function exists(p, node = NODE) {
  return existsSync(nodePath(p, node));
}

export function readText(p, node = NODE) {
  try {
    return readFileSync(nodePath(p, node), 'utf8');
  } catch {
    return undefined;
  }
}

export function readJson(p, node = NODE) {
  const text = readText(p, node);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function writeText(p, content, { mode = 0o644, node = NODE } = {}) {
  const file = nodePath(p, node);
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, content, { mode });
  renameSync(tmp, file);
}

export function appendText(p, content, node = NODE) {
  const file = nodePath(p, node);
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, content);
}

export function makeDir(p, node = NODE) {
  mkdirSync(nodePath(p, node), { recursive: true });
}

export function remove(p, node = NODE) {
  rmSync(nodePath(p, node), { recursive: true, force: true });
}
