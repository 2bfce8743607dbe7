#!/usr/bin/env node
// A testbed node's boot (run by `podsec-play testbed up` inside the node's namespaces, not a
// program on its PATH): like systemd at boot, every unit with a real daemon comes up when it is
// enabled and is down otherwise, so a node whose sshd was disabled (sealed) stays sealed.
import { DAEMON_UNITS, DaemonError, testbedInfo } from './daemons.mjs';
import { setUnitState, unitState } from './services.mjs';

if (!testbedInfo()) {
  process.stderr.write('boot.mjs runs on testbed nodes only\n');
  process.exit(2);
}
let failed = false;
for (const unit of DAEMON_UNITS) {
  const { enabled } = unitState(unit);
  try {
    setUnitState(unit, { active: enabled, ...(enabled ? { since: new Date().toISOString(), failed: false } : {}) });
  } catch (e) {
    if (!(e instanceof DaemonError)) throw e;
    setUnitState(unit, { active: false, failed: true, lastError: e.message });
    process.stderr.write(`${unit}.service failed to start: ${e.message}\n`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
