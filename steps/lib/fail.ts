// One way for podsec step kinds to fail on their own terms: a PlayError E_STEP naming the host,
// with the retry decision made here, where the cause is known.
import { PlayError } from '../../engine/errors.js';
import type { StepContext } from '../../engine/step-kind.js';

export function stepError(ctx: Pick<StepContext, 'host'>, message: string, retryable = false): PlayError {
  return new PlayError(message, { code: 'E_STEP', retryable, host: ctx.host.name });
}
