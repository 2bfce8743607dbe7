// What a preflight produces: one row per host × check, for the table, the JSON, the event
// stream and the run's decision to start or not (the event's own shape).
import type { PreflightResultEvent } from '../events/types.js';

export type CheckResult = PreflightResultEvent;

/** The check every host that takes part gets: its facts could be gathered. */
export const REACHABLE = 'reachable';
