// The single executable's entry (bundled by esbuild into one CommonJS file; see build-sea.ts).
// Started plainly, it unpacks its assets (playbooks, schemas, lab stand-ins) into the user's cache
// on first use, points the CLI at them and runs it. Started with PODSEC_PLAY_AS_NODE=1 — by the
// `node` shim it puts beside the stand-ins — it runs the script it is given the way `node SCRIPT`
// would, so the lab's stand-ins run on a controller that has no Node.js installed.
import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Script, constants } from 'node:vm';
import { getAsset } from 'node:sea';
import { AS_NODE_ENV, MANIFEST_KEY, type AssetManifest } from './assets.js';

// Running a stand-in uses vm's USE_MAIN_CONTEXT_DEFAULT_LOADER, which Node 20 calls experimental
// on stderr; the stand-ins' output is the lab's, so keep that note out of it.
const emitWarning = process.emitWarning;
process.emitWarning = ((warning: string | Error, ...args: unknown[]) => {
  const text = typeof warning === 'string' ? warning : warning.message;
  if (/USE_MAIN_CONTEXT_DEFAULT_LOADER/.test(text)) return;
  (emitWarning as (...a: unknown[]) => void).call(process, warning, ...args);
}) as typeof process.emitWarning;

if (process.env[AS_NODE_ENV] === '1') {
  delete process.env[AS_NODE_ENV];
  runAsNode();
} else {
  process.env.PODSEC_PLAY_SEA_ROOT = unpackAssets();
  // The CLI itself, bundled into this file; it reads PODSEC_PLAY_SEA_ROOT (cli/resources.ts).
  void import('../main.js');
}

/** `node SCRIPT ARGS…`: argv as node gives it, the script loaded as the ES module it is. */
function runAsNode(): void {
  const [, , script, ...rest] = process.argv;
  if (!script || script.startsWith('-')) {
    process.stderr.write('podsec-play: acting as node, it runs a script file (node SCRIPT ARGS…), nothing else\n');
    process.exit(2);
  }
  const path = resolve(script);
  process.argv.splice(1, process.argv.length - 1, path, ...rest);
  const url = pathToFileURL(realpathSync(path)).href;
  // Dynamic import from inside a single executable needs the main context's loader (Node 20.12+).
  const load = new Script(`import(${JSON.stringify(url)})`, { importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER });
  (load.runInThisContext() as Promise<unknown>).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}

/** `$XDG_CACHE_HOME/podsec-play/sea-HASH` (or ~/.cache/…), written once, atomically. */
function unpackAssets(): string {
  const manifest = JSON.parse(getAsset(MANIFEST_KEY, 'utf8')) as AssetManifest;
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  const root = join(cache, 'podsec-play', `sea-${manifest.hash}`);
  const done = join(root, '.complete');
  if (!existsSync(done)) {
    const tmp = `${root}.${process.pid}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    for (const { key, mode } of manifest.files) {
      const file = join(tmp, key);
      mkdirSync(join(file, '..'), { recursive: true });
      writeFileSync(file, Buffer.from(getAsset(key)));
      chmodSync(file, mode);
    }
    writeFileSync(join(tmp, '.complete'), `${manifest.hash}\n`);
    try {
      renameSync(tmp, root);
    } catch {
      // Another start unpacked the same build first: use that one.
      rmSync(tmp, { recursive: true, force: true });
      if (!existsSync(done)) throw new Error(`cannot unpack podsec-play's files into ${root}`);
    }
  }
  writeNodeShim(join(root, 'bin', 'node'));
  return root;
}

/** A `node` that is this executable: the lab puts its directory on the stand-ins' PATH. */
function writeNodeShim(file: string): void {
  const text = `#!/bin/sh\n# podsec-play's single executable acting as node for the lab's stand-ins\n${AS_NODE_ENV}=1 exec '${process.execPath.replace(/'/g, `'\\''`)}' "$@"\n`;
  if (existsSync(file) && readFileSync(file, 'utf8') === text) return;
  mkdirSync(join(file, '..'), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o755 });
  renameSync(tmp, file);
}
