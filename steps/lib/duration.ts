// `with.timeout: 5m`-style durations of podsec step kinds: the engine's parser, with a default.
import { parseDuration as parseEngineDuration } from '../../engine/util/duration.js';

/** The spellings the engine's parser accepts: 500ms, 30s, 5m, 2h, 1d (decimals allowed). */
export const DURATION_PATTERN = '^[0-9]+(\\.[0-9]+)?(ms|s|m|h|d)$';

/** Milliseconds of `value` (a duration string, or seconds as a number); `fallback` when undefined. */
export function parseDuration(value: string | number | undefined, fallback: string): number {
  return parseEngineDuration(value ?? fallback);
}
