#!/usr/bin/env node
// timedatectl stand-in (systemd 249): `show` and the plain status, from the node's clock and its
// /var/lib/lab/host.json (`ntp`: time synchronisation on; synchronised only while the clock has
// no skew). Changing anything (set-time, set-ntp, …) is refused: the lab's clocks are read-only.
import { standin, fail, out } from './lib/main.mjs';
import { hostConfig, nodeNow, parseSkew } from './lib/host-config.mjs';

function stamp(ms) {
  const d = new Date(ms);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  return `${days[d.getUTCDay()]} ${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

standin(async (args) => {
  const verb = args.find((a) => !a.startsWith('-')) ?? 'status';
  const h = hostConfig();
  const ntp = h.ntp !== false;
  const synced = ntp && parseSkew(h.clockSkew) === 0;
  const now = nodeNow();
  if (verb === 'show') {
    out(['Timezone=UTC', 'LocalRTC=no', 'CanNTP=yes', `NTP=${ntp ? 'yes' : 'no'}`, `NTPSynchronized=${synced ? 'yes' : 'no'}`, `TimeUSec=${stamp(now)}`, `RTCTimeUSec=${stamp(now)}`].join('\n') + '\n');
    return 0;
  }
  if (verb === 'status') {
    out(
      [
        `               Local time: ${stamp(now)}`,
        `           Universal time: ${stamp(now)}`,
        `                 RTC time: ${stamp(now).replace(/ UTC$/, '')}`,
        '                Time zone: UTC (UTC, +0000)',
        `System clock synchronized: ${synced ? 'yes' : 'no'}`,
        `              NTP service: ${ntp ? 'active' : 'inactive'}`,
        '          RTC in local TZ: no',
      ].join('\n') + '\n',
    );
    return 0;
  }
  fail(`lab: timedatectl ${verb} would change the node; the lab's clocks are read-only (edit clockSkew in /var/lib/lab/host.json)`, 1);
});
