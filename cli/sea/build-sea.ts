// `npm run build:sea`: podsec-play as one file for linux-x64 (Node's single executable
// applications): esbuild bundles cli/sea/entry.ts with everything it imports into one CommonJS
// file; the playbooks, schemas and lab stand-ins become assets (unpacked on first use); node
// --experimental-sea-config makes the blob and postject injects it into a copy of this node.
// Native addons cannot load from inside (ssh2 runs without its optional ones, as it can).
// Usage: node dist/cli/sea/build-sea.js [--out FILE]
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ASSET_DIRS, MANIFEST_KEY, type AssetManifest } from './assets.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const outArg = process.argv.indexOf('--out');
const out = resolve(outArg > 0 && process.argv[outArg + 1] ? process.argv[outArg + 1]! : join(root, 'build', `podsec-play-${process.platform}-${process.arch}`));
const work = join(dirname(out), `.sea-work-${process.pid}`);
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : []));
}

async function main(): Promise<void> {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

  // Assets: every file of the carried directories, keyed by its path in the package.
  const files = ASSET_DIRS.flatMap((d) => listFiles(join(root, d))).sort();
  const hash = createHash('sha256');
  const manifest: AssetManifest = { hash: '', files: [] };
  const assets: Record<string, string> = {};
  for (const file of files) {
    const key = relative(root, file).split('\\').join('/');
    const mode = statSync(file).mode & 0o777;
    hash.update(key).update('\0').update(String(mode)).update('\0').update(readFileSync(file));
    manifest.files.push({ key, mode });
    assets[key] = file;
  }
  // The stand-ins' one npm dependency (the X.509 library kubeadm init uses for the cluster CA), as
  // one ES module beside them: inside the executable there is no node_modules to import it from.
  const { build } = await import('esbuild');
  const vendor = join(work, 'x509.mjs');
  await build({
    stdin: { contents: "import 'reflect-metadata';\nexport * from '@peculiar/x509';\n", resolveDir: root, loader: 'js' },
    bundle: true,
    // the library's ES module build: `export *` of its CommonJS build would export nothing
    mainFields: ['module', 'main'],
    platform: 'node',
    target: 'node20',
    format: 'esm',
    outfile: vendor,
    // CommonJS parts of the bundle require node's built-ins: give the module a require
    banner: { js: "import { createRequire as __podsecCreateRequire } from 'node:module'; const require = __podsecCreateRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  const vendorKey = 'lab/standins/vendor/x509.mjs';
  hash.update(vendorKey).update('\0').update('420').update('\0').update(readFileSync(vendor));
  manifest.files.push({ key: vendorKey, mode: 0o644 });
  assets[vendorKey] = vendor;
  manifest.hash = `${version}-${hash.digest('hex').slice(0, 16)}`;
  const manifestFile = join(work, 'manifest.json');
  writeFileSync(manifestFile, JSON.stringify(manifest));
  assets[MANIFEST_KEY] = manifestFile;

  // One CommonJS file: the CLI and every dependency it can load.
  const bundle = join(work, 'podsec-play.cjs');
  await build({
    entryPoints: [join(root, 'cli', 'sea', 'entry.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: bundle,
    // Optional native parts (ssh2's crypto binding, cpu-features) cannot load from inside: they
    // become modules that throw on load, which ssh2 expects of a missing optional part. So do the
    // optional packages @kubernetes/client-node's HTTP and WebSocket libraries try to require
    // (node-fetch's encoding, ws's bufferutil and utf-8-validate): left as require() calls, the
    // executable's require would warn on stderr before they fail.
    plugins: [
      {
        name: 'no-native-addons',
        setup(b) {
          b.onResolve({ filter: /\.node$|^(cpu-features|encoding|bufferutil|utf-8-validate)$/ }, (args) => ({ path: args.path, namespace: 'no-native' }));
          b.onLoad({ filter: /.*/, namespace: 'no-native' }, (args) => ({
            contents: `throw new Error(${JSON.stringify(`${args.path}: not available in the single executable (a native addon or an optional package)`)});`,
            loader: 'js',
          }));
        },
      },
    ],
    define: { PODSEC_PLAY_VERSION: JSON.stringify(version) },
    logLevel: 'warning',
    // import.meta.url is not used on the single executable's paths (cli/resources.ts, cli/version.ts).
    logOverride: { 'empty-import-meta': 'silent' },
  });

  const seaConfig = join(work, 'sea-config.json');
  const blob = join(work, 'sea.blob');
  writeFileSync(seaConfig, JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true, useCodeCache: false, assets }));
  execFileSync(process.execPath, ['--experimental-sea-config', seaConfig], { stdio: ['ignore', 'ignore', 'inherit'] });

  mkdirSync(dirname(out), { recursive: true });
  rmSync(out, { force: true });
  copyFileSync(process.execPath, out);
  chmodSync(out, 0o755);
  const postject = join(root, 'node_modules', 'postject', 'dist', 'cli.js');
  // postject warns about ELF note sections it does not need; its output matters only on failure.
  try {
    execFileSync(process.execPath, [postject, out, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', FUSE], { stdio: 'pipe' });
  } catch (err) {
    throw new Error(`postject failed: ${String((err as { stderr?: Buffer }).stderr ?? err)}`);
  }
  rmSync(work, { recursive: true, force: true });
  process.stdout.write(`wrote ${out} (${Math.round(statSync(out).size / 1e6)} MB, ${manifest.files.length} files inside)\n`);
}

main().catch((err: unknown) => {
  rmSync(work, { recursive: true, force: true });
  process.stderr.write(`build:sea: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
