// A testbed node's real OpenSSH server: its sshd_config (listening on the node's address, port
// 22, the testbed's client key only, no PAM: there is no login stack to run in a namespace), and
// waiting from the controller until the port answers or refuses.
import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

export interface SshdConfigOptions {
  address: string;
  /** Set in every session: the stand-ins find the testbed with them (like a lab node's env). */
  env: Record<string, string>;
}

function setEnvWord(name: string, value: string): string {
  if (/["\s\\]/.test(value)) throw new Error(`sshd SetEnv cannot carry ${name}=${value}`);
  return `${name}=${value}`;
}

export function renderSshdConfig(o: SshdConfigOptions): string {
  return [
    '# Written by `podsec-play testbed up`: this node\'s real OpenSSH server.',
    `ListenAddress ${o.address}`,
    'Port 22',
    'HostKey /etc/ssh/ssh_host_ed25519_key',
    'PidFile /run/sshd.pid',
    'UsePAM no',
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'AuthorizedKeysFile .ssh/authorized_keys',
    'Subsystem sftp internal-sftp',
    'AcceptEnv LANG LC_*',
    `SetEnv ${Object.entries(o.env)
      .map(([k, v]) => setEnvWord(k, v))
      .join(' ')}`,
    // podsec-play runs hosts in parallel and several channels per connection
    'MaxSessions 64',
    'MaxStartups 64:30:128',
    'UseDNS no',
    'PrintMotd no',
    'PrintLastLog no',
    'LogLevel INFO',
    '',
  ].join('\n');
}

/** Does address:port accept a TCP connection from here right now? */
export function accepts(address: string, port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port, timeout: timeoutMs });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

/** Wait until address:port accepts (open) or refuses (closed); false when it did not in time. */
export async function waitPort(address: string, port: number, open: boolean, timeoutMs = 15_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 5; ; wait = Math.min(wait * 2, 200)) {
    if ((await accepts(address, port, 1000)) === open) return true;
    if (Date.now() > deadline) return false;
    await delay(wait);
  }
}
