// Installing a rendered config the careful way: upload beside the live file, validate with the
// real binary, move it into place only when it differs, and report whether it changed.
import { createHash } from 'node:crypto';
import { CommandError } from '../../engine/errors.js';
import type { Remote } from './remote.js';
import { readIfExists } from './remote.js';

export interface InstallConfig {
  path: string;
  content: string;
  mode: number;
  /** `haproxy -c -f` / `keepalived -t -f`: the candidate's path is appended. */
  validate: string;
  what: string;
}

/** True when the live file changed. A candidate that fails validation is removed and throws. */
export async function installConfig(remote: Remote, c: InstallConfig): Promise<boolean> {
  const live = await readIfExists(remote, c.path);
  if (live !== undefined && sha256(live) === sha256(c.content)) return false;
  const candidate = `${c.path}.podsec-play.new`;
  const dir = c.path.slice(0, c.path.lastIndexOf('/'));
  await remote.run(`mkdir -p ${dir}`, { what: `creating ${dir}` });
  await remote.upload({ path: candidate, content: c.content, mode: c.mode });
  // keepalived -t exits 0 when the file is missing: insist it is there and not empty.
  const checked = await remote.exec(`test -s ${candidate} && ${c.validate} ${candidate}`);
  if (checked.exitCode !== 0) {
    await remote.exec(`rm -f ${candidate}`);
    throw new CommandError(checked, { host: remote.name, what: `${c.what} rejected the rendered config`, retryable: false });
  }
  await remote.run(`mv -f ${candidate} ${c.path}`, { what: `installing ${c.path}` });
  return true;
}

export async function sameContent(remote: Remote, path: string, content: string): Promise<boolean> {
  const live = await readIfExists(remote, path);
  return live !== undefined && sha256(live) === sha256(content);
}

export function sha256(b: Buffer | string): string {
  return createHash('sha256').update(b).digest('hex');
}
