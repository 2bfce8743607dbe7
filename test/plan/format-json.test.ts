import { describe, expect, it } from 'vitest';
import { formatPlanJson } from '../../engine/plan/format-json.js';
import { SEALED, samplePlan } from '../report/plan-fixture.js';

describe('plan as JSON', () => {
  it('is the plan object itself plus the sealed hosts', () => {
    const parsed = JSON.parse(formatPlanJson(samplePlan(), SEALED));
    const { sealed, ...plan } = parsed;
    expect(plan).toEqual(JSON.parse(JSON.stringify(samplePlan())));
    expect(sealed).toEqual(SEALED);
  });

  it('has an empty sealed map when nothing is sealed, and ends with a newline', () => {
    const text = formatPlanJson(samplePlan());
    expect(JSON.parse(text).sealed).toEqual({});
    expect(text.endsWith('}\n')).toBe(true);
  });
});
