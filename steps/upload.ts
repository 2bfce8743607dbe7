// `upload`: put a file on the host (inline `content`, templated by the engine, or a local `src`
// file), atomically and only when its checksum differs; mode/owner/group applied.
// A relative `src` is resolved against the current directory of podsec-play (the engine hands
// kinds `with:` values as written), so run podsec-play from the playbook's directory or give
// an absolute path.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PlayError } from '../engine/errors.js';
import { quote } from '../engine/util/shell.js';
import { defineStep, type StepContext } from '../engine/step-kind.js';

export interface UploadWith {
  path: string;
  content?: string;
  src?: string;
  /** Octal, as a string: "0644". */
  mode?: string;
  owner?: string;
  group?: string;
}

export const uploadStep = defineStep<UploadWith>({
  kind: 'upload',
  description: 'Upload a file (inline content or a local file) atomically; skipped when the checksum matches.',
  schema: {
    type: 'object',
    required: ['path'],
    additionalProperties: false,
    oneOf: [{ required: ['content'] }, { required: ['src'] }],
    properties: {
      path: { type: 'string', minLength: 1 },
      content: { type: 'string' },
      src: { type: 'string', minLength: 1 },
      mode: { type: 'string', pattern: '^0?[0-7]{3,4}$' },
      owner: { type: 'string', minLength: 1 },
      group: { type: 'string', minLength: 1 },
    },
  },
  outputs: () => [
    { name: 'sha256', secret: false },
    { name: 'changed', secret: false },
  ],
  title: (w) => `upload ${w.path}`,
  async check(ctx, w) {
    const content = await localContent(w);
    const sha256 = createHash('sha256').update(content).digest('hex');
    const p = quote(w.path);
    const r = await ctx.exec(`sha256sum -- ${p} && stat -c '%a %u %g %U %G' -- ${p}`);
    if (r.exitCode !== 0) return { done: false };
    const [sumLine = '', statLine = ''] = r.stdout.trim().split('\n');
    if (sumLine.split(/\s+/)[0]?.replace(/^\\/, '') !== sha256) return { done: false };
    const [mode = '', uid, gid, owner, group] = statLine.trim().split(/\s+/);
    if (w.mode !== undefined && parseInt(mode, 8) !== parseInt(w.mode, 8)) return { done: false };
    if (w.owner !== undefined && w.owner !== owner && w.owner !== uid) return { done: false };
    if (w.group !== undefined && w.group !== group && w.group !== gid) return { done: false };
    return { done: true, reason: `${w.path} already has this content`, outputs: { sha256, changed: 'false' } };
  },
  async run(ctx: StepContext, w) {
    const result = await ctx.upload({
      path: w.path,
      content: await localContent(w),
      ...(w.mode !== undefined ? { mode: parseInt(w.mode, 8) } : {}),
      ...(w.owner !== undefined ? { owner: w.owner } : {}),
      ...(w.group !== undefined ? { group: w.group } : {}),
      signal: ctx.signal,
    });
    return { sha256: result.sha256, changed: String(result.changed) };
  },
});

async function localContent(w: UploadWith): Promise<Buffer> {
  if (w.content !== undefined) return Buffer.from(w.content, 'utf8');
  const src = resolve(process.cwd(), w.src ?? '');
  try {
    return await readFile(src);
  } catch (err) {
    throw new PlayError(`upload: cannot read the local file ${src}: ${(err as NodeJS.ErrnoException).code ?? err}`, {
      code: 'E_STEP',
    });
  }
}
