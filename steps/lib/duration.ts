// `with.timeout: 5m`-style durations of podsec step kinds: the engine's parser, with a default.
import { parseDuration as parseEngineDuration } from '../../engine/util/duration.js';

export { DURATION_SCHEMA } from '../../engine/util/duration.js';

/** Milliseconds of `value` (a duration string, or seconds as a number); `fallback` when undefined. */
export function parseDuration(value: string | number | undefined, fallback: string): number {
  return parseEngineDuration(value ?? fallback);
}
