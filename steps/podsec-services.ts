// `podsec-services`: the master's `podsec-create-services` (docker-registry on :80, nginx on :81
// serving /var/sigstore for signatures). Re-runnable, but skipped when the units are active.
import { command } from '../engine/util/shell.js';
import { stepError } from './lib/fail.js';
import { packageInstalled, portsFree } from './lib/preflight-host.js';
import { hostRemote, selfQuiet } from './lib/remote.js';
import { defineStep, type StepContext } from '../engine/step-kind.js';

export interface PodsecServicesWith {
  /** systemd units podsec-create-services starts (default: docker-registry, nginx). */
  units?: string[];
}

export const DEFAULT_SERVICE_UNITS = ['docker-registry', 'nginx'];
const UNIT = '^[A-Za-z0-9@_.:-]+$';

export const podsecServicesStep = defineStep<PodsecServicesWith>({
  kind: 'podsec-services',
  description: 'Run podsec-create-services on the master (registry and signature web server).',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: { units: { type: 'array', minItems: 1, items: { type: 'string', pattern: UNIT } } },
  },
  title: () => 'podsec-create-services',
  preflight: [
    packageInstalled('podsec', 'podsec-create-services'),
    portsFree({
      id: 'registry-ports-free',
      title: 'ports 80 and 81 free for the registry and the signature server',
      tcp: [80, 81],
      allowed: ['nginx', 'docker-registry', 'registry'],
      why: 'podsec-create-services starts docker-registry on 80 and nginx on 81',
    }),
  ],
  async check(ctx, w) {
    const inactive = await inactiveUnits(ctx, w);
    return inactive.length === 0 ? { done: true, reason: `${units(w).join(', ')} active` } : { done: false };
  },
  async run(ctx, w) {
    await hostRemote(ctx).run('podsec-create-services', { what: 'podsec-create-services' });
    const inactive = await inactiveUnits(ctx, w);
    if (inactive.length > 0) {
      throw stepError(ctx, `podsec-create-services finished but ${inactive.join(', ')} ${inactive.length > 1 ? 'are' : 'is'} not active`, true);
    }
  },
});

function units(w: PodsecServicesWith): string[] {
  return w.units ?? DEFAULT_SERVICE_UNITS;
}

/** Units that `systemctl is-active` does not report as active (one line per unit, in order). */
async function inactiveUnits(ctx: StepContext, w: PodsecServicesWith): Promise<string[]> {
  const list = units(w);
  const r = await selfQuiet(ctx).exec(command('systemctl', 'is-active', ...list));
  const states = r.stdout.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  return list.filter((_, i) => states[i] !== 'active');
}
