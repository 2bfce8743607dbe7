// `wait-for`: repeat a command until it succeeds or the deadline passes (a port opening, a
// node turning Ready). Each try is one short command; the step's own timeout still applies.
import { CommandError, PlayError } from '../engine/errors.js';
import { DURATION_OR_SECONDS_SCHEMA, parseDuration } from '../engine/util/duration.js';
import { sleep } from '../engine/util/sleep.js';
import { defineStep } from '../engine/step-kind.js';

export interface WaitForWith {
  run: string;
  timeout?: string | number;
  interval?: string | number;
  sudo?: boolean;
}

export const waitForStep = defineStep<WaitForWith>({
  kind: 'wait-for',
  description: 'Repeat a command until it succeeds or the deadline passes.',
  shellFields: ['run'],
  schema: {
    type: 'object',
    required: ['run'],
    additionalProperties: false,
    properties: {
      run: { type: 'string', minLength: 1 },
      timeout: DURATION_OR_SECONDS_SCHEMA,
      interval: DURATION_OR_SECONDS_SCHEMA,
      sudo: { type: 'boolean' },
    },
  },
  outputs: () => [{ name: 'tries', secret: false }],
  title: (w) => `wait for: ${w.run.length > 50 ? `${w.run.slice(0, 47)}...` : w.run}`,
  async run(ctx, w) {
    const deadline = Date.now() + parseDuration(w.timeout ?? '5m');
    const interval = parseDuration(w.interval ?? '2s');
    let tries = 0;
    for (;;) {
      tries++;
      const left = deadline - Date.now();
      const result = await ctx.exec(w.run, { timeoutMs: Math.max(1000, left), ...(w.sudo !== undefined ? { sudo: w.sudo } : {}) });
      if (result.exitCode === 0) return { tries: String(tries) };
      if (Date.now() + interval > deadline) {
        const err = new CommandError(result, { host: ctx.host.name, what: `still failing after ${tries} tries:` });
        throw new PlayError(err.message, { code: 'E_TIMEOUT', host: ctx.host.name, retryable: true, cause: err });
      }
      await sleep(interval, ctx.signal);
    }
  },
});
