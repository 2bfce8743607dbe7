// What the single executable carries besides its code: the shipped playbooks, the schemas and the
// lab's stand-in scripts. The build lists them (with their modes) in a manifest asset; the entry
// unpacks them once per build into the user's cache, so the demo and `lab` run from one file.

/** The manifest asset: every other asset's key (its path under the package root) and file mode. */
export const MANIFEST_KEY = 'podsec-play-assets.json';

export interface AssetManifest {
  /** Changes whenever any asset does: names the unpack directory. */
  hash: string;
  files: { key: string; mode: number }[];
}

/** Directories of the package that are carried whole. */
export const ASSET_DIRS = ['playbooks', 'schemas', 'lab/standins'] as const;

/** The environment marker that makes the executable run a script as `node` would. */
export const AS_NODE_ENV = 'PODSEC_PLAY_AS_NODE';
