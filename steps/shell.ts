// `shell`: run a command on the host; `creates:` skips it when a path exists; named outputs are
// captured from stdout by regular expression, secret ones masked from then on.
import { PlayError } from '../engine/errors.js';
import { quote } from '../engine/util/shell.js';
import { defineStep, type OutputDecl } from '../engine/step-kind.js';

interface OutputSpec {
  regex: string;
  /** Capture group to keep (default 1, or 0 when the pattern has no group). */
  group?: number;
  secret?: boolean;
}

export interface ShellWith {
  run: string;
  creates?: string;
  outputs?: Record<string, OutputSpec>;
  env?: Record<string, string>;
  sudo?: boolean;
  pty?: boolean;
  /** Prompts to answer: `prompt` is a regular expression matched against what the terminal shows
   * up to the cursor (the question's line and a few lines above it, written since the last
   * answer); `send` is typed, then Enter. A question none matches fails the step at once. */
  answers?: { prompt: string; send: string; once?: boolean }[];
}

export const shellStep = defineStep<ShellWith>({
  kind: 'shell',
  description: 'Run a shell command; capture named outputs from stdout.',
  shellFields: ['run'],
  schema: {
    type: 'object',
    required: ['run'],
    additionalProperties: false,
    allOf: [
      {
        description: 'creates: and outputs: cannot go together: a step skipped because its creates: path exists has no outputs for later steps',
        not: { required: ['creates', 'outputs'] },
      },
    ],
    properties: {
      run: { type: 'string', minLength: 1 },
      creates: { type: 'string', minLength: 1 },
      env: { type: 'object', additionalProperties: { type: 'string' } },
      sudo: { type: 'boolean' },
      pty: { type: 'boolean' },
      answers: {
        type: 'array',
        items: {
          type: 'object',
          required: ['prompt', 'send'],
          additionalProperties: false,
          properties: { prompt: { type: 'string' }, send: { type: 'string' }, once: { type: 'boolean' } },
        },
      },
      outputs: {
        type: 'object',
        propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
        additionalProperties: {
          type: 'object',
          required: ['regex'],
          additionalProperties: false,
          properties: {
            regex: { type: 'string', minLength: 1 },
            group: { type: 'integer', minimum: 0 },
            secret: { type: 'boolean' },
          },
        },
      },
    },
  },
  outputs(w): OutputDecl[] {
    return Object.entries(w.outputs ?? {}).map(([name, spec]) => ({ name, secret: spec.secret === true }));
  },
  title(w) {
    const first = w.run.split('\n')[0]!.trim();
    return first.length > 60 ? `${first.slice(0, 57)}...` : first;
  },
  async check(ctx, w) {
    if (!w.creates) return { done: false };
    const result = await ctx.exec(`test -e ${quote(w.creates)}`, { sudo: w.sudo });
    return result.exitCode === 0 ? { done: true, reason: `${w.creates} exists` } : { done: false };
  },
  async run(ctx, w) {
    for (const answer of w.answers ?? []) ctx.secret(answer.send);
    const secretSpecs = Object.values(w.outputs ?? {}).filter((spec) => spec.secret);
    // Secret outputs are masked as soon as a line shows them, before it is streamed anywhere.
    const spotSecrets = (line: string) => {
      for (const spec of secretSpecs) {
        const m = new RegExp(spec.regex).exec(line);
        if (m) ctx.secret(m[spec.group ?? (m.length > 1 ? 1 : 0)] ?? '');
      }
    };
    const result = await ctx.run(w.run, {
      ...(secretSpecs.length ? { onLine: spotSecrets } : {}),
      ...(w.env ? { env: w.env } : {}),
      ...(w.sudo !== undefined ? { sudo: w.sudo } : {}),
      ...(w.pty ? { pty: true } : {}),
      ...(w.answers ? { answers: w.answers } : {}),
    });
    const outputs: Record<string, string> = {};
    for (const [name, spec] of Object.entries(w.outputs ?? {})) {
      const re = new RegExp(spec.regex, 'm');
      const m = re.exec(result.stdout);
      if (!m) {
        throw new PlayError(`output "${name}": /${spec.regex}/ did not match the command's output`, {
          code: 'E_STEP',
          host: ctx.host.name,
        });
      }
      const value = m[spec.group ?? (m.length > 1 ? 1 : 0)] ?? '';
      if (spec.secret) ctx.secret(value);
      outputs[name] = value;
    }
    return outputs;
  },
});
