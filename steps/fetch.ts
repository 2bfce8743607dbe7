// `fetch`: read a file from the host into a local path and/or a step output (e.g. a kubeconfig
// or a join token file); `secret: true` masks that output everywhere and writes `dest` 0600.
// A relative `dest` is resolved against podsec-play's current directory.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { PlayError } from '../engine/errors.js';
import { defineStep, type OutputDecl } from '../engine/step-kind.js';

export interface FetchWith {
  path: string;
  dest?: string;
  output?: string;
  secret?: boolean;
}

export const fetchStep = defineStep<FetchWith>({
  kind: 'fetch',
  description: 'Download a file from the host into a local file and/or a step output.',
  schema: {
    type: 'object',
    required: ['path'],
    additionalProperties: false,
    properties: {
      path: { type: 'string', minLength: 1 },
      dest: { type: 'string', minLength: 1 },
      output: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', not: { const: 'sha256' } },
      secret: { type: 'boolean' },
    },
  },
  outputs(w): OutputDecl[] {
    return [{ name: 'sha256', secret: false }, ...(w.output ? [{ name: w.output, secret: w.secret === true }] : [])];
  },
  title: (w) => `fetch ${w.path}`,
  async run(ctx, w) {
    const data = await ctx.download(w.path);
    const text = data.toString('utf8');
    if (w.secret) ctx.secret(text);
    if (w.dest) await writeLocal(resolve(process.cwd(), w.dest), data, w.secret === true);
    const outputs: Record<string, string> = { sha256: createHash('sha256').update(data).digest('hex') };
    if (w.output) outputs[w.output] = text;
    return outputs;
  },
});

/** Written under a temporary name, then renamed: a reader never sees half a file. */
async function writeLocal(dest: string, data: Buffer, secret: boolean): Promise<void> {
  const tmp = `${dest}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await mkdir(dirname(dest), { recursive: true });
    await writeFile(tmp, data, { mode: secret ? 0o600 : 0o644 });
    await rename(tmp, dest);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new PlayError(`fetch: cannot write ${dest}: ${(err as Error).message}`, { code: 'E_STEP' });
  }
}
