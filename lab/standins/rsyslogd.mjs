#!/usr/bin/env node
// rsyslogd stand-in: only the configuration check `rsyslogd -N1` (the daemon itself runs through
// systemctl, which checks the same way when it starts rsyslog). Reads /etc/rsyslog.conf and
// /etc/rsyslog.d/*.conf (lib/rsyslog-config.mjs); errors name the file and line, exit 1.
// Models: rsyslogd -N1 of rsyslog 8 (the config validation run).
import { standin, fail, out, err } from './lib/main.mjs';
import { parseRsyslog, rsyslogFiles } from './lib/rsyslog-config.mjs';
import { hasPackage } from './lib/packages.mjs';

standin(async (args, record) => {
  if (!hasPackage('rsyslog-classic')) fail('sh: rsyslogd: command not found', 127);
  if (!args.some((a) => /^-N\d$/.test(a)) && !(args.includes('-N') && /^\d$/.test(args[args.indexOf('-N') + 1] ?? ''))) {
    fail('lab: rsyslogd runs only as `rsyslogd -N1` here (start the daemon with systemctl)');
  }
  record.event = 'rsyslog-check';
  out('rsyslogd: version 8.2404.0, config validation run (level 1), master config /etc/rsyslog.conf\n');
  const files = rsyslogFiles();
  if (!files.some((f) => f.path === '/etc/rsyslog.conf')) {
    err('rsyslogd: could not open config file \'/etc/rsyslog.conf\': No such file or directory [v8.2404.0 try https://www.rsyslog.com/e/2013 ]\n');
    return 1;
  }
  const { errors, forwards } = parseRsyslog(files);
  record.forwards = forwards.map((f) => `${f.protocol}://${f.host}:${f.port}`);
  if (errors.length > 0) {
    for (const e of errors) err(`rsyslogd: ${e} [v8.2404.0 try https://www.rsyslog.com/e/2207 ]\n`);
    return 1;
  }
  out('rsyslogd: End of config validation run. Bye.\n');
  return 0;
});
