// Getting into u7s-admin's RootlessKit namespaces the way podsec does it: `machinectl shell
// u7s-admin@ /usr/libexec/podsec/u7s/bin/nsenter_u7s CMD` (usernetes/bin/nsenter_u7s and
// nsenter_main in podsec-u7s-functions, alt-cloud/podsec commit 5014172). nsenter needs
// RootlessKit's child pid, so only while u7s.service runs; otherwise it gives up after 10 tries
// (the lab does not sleep the 10 seconds) and the command exits 1.
import { out, err } from './main.mjs';
import { isActive } from './services.mjs';
import { t } from './i18n.mjs';

export const MACHINECTL_BANNER = 'Connected to the local host. Press ^] three times within 1s to exit session.\n';

/** nsenter_main's retry loop; true when the namespaces could be entered. */
export function nsenterU7s() {
  err(`\u001b[104m\u001b[97m[INFO]\u001b[49m\u001b[39m ${t('Entering RootlessKit namespaces')}: `);
  if (isActive('u7s')) {
    out('OK\n');
    return true;
  }
  err('..........\n');
  err(`\u001b[101m\u001b[97m[ERROR]\u001b[49m\u001b[39m ${t('nsenter failed after')} 10 ${t('attempts, RootlessKit not running')}?\n`);
  return false;
}

/** machinectl shell u7s-admin@ … nsenter_u7s, as the wrapper calls it for other subcommands. */
export function enterNamespace() {
  err(MACHINECTL_BANNER);
  return nsenterU7s();
}
