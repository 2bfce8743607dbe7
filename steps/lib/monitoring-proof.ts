// The last look before a seal: the podsec-inotify units the monitoring step switched on for this
// node (recorded in MONITORING_RECORD) must still be active when SSH is about to go, or the node
// would be sealed without the monitoring it was meant to keep. A host without the record (a load
// balancer, a playbook without podsec-monitoring) has nothing to prove.
import { describeState, MONITORING_RECORD, parseShow, showCommand } from './inotify-units.js';
import { readIfExists, type Remote } from './remote.js';

export interface MonitoringProof {
  units: string[];
  /** Units not active, in words; empty when all are. */
  bad: string[];
}

export async function proveMonitoring(remote: Remote): Promise<MonitoringProof | undefined> {
  const text = (await readIfExists(remote, MONITORING_RECORD))?.toString('utf8');
  if (text === undefined) return undefined;
  const units = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  if (units.length === 0) return { units, bad: [] };
  const states = parseShow(units, (await remote.exec(showCommand(units))).stdout);
  return { units, bad: units.filter((u) => states.get(u)?.active !== 'active').map((u) => describeState(u, states.get(u))) };
}
