// `podsec-play plan --format json`: the plan object itself plus the hosts already sealed, for tools.
import type { SealRecord } from '../journal/types.js';
import type { Plan } from './types.js';

export function formatPlanJson(plan: Plan, sealed: Record<string, SealRecord> = {}): string {
  return JSON.stringify({ ...plan, sealed }, null, 2) + '\n';
}
