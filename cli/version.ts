// The version `podsec-play --version` prints: package.json's, read at run time from the package
// (or, in the single executable, set by the bundler: there is no package.json beside it).
import { readFileSync } from 'node:fs';

declare const PODSEC_PLAY_VERSION: string | undefined;

export function cliVersion(): string {
  if (typeof PODSEC_PLAY_VERSION === 'string') return PODSEC_PLAY_VERSION;
  // dist/cli/version.js → ../../package.json
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
