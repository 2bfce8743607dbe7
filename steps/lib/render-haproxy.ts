// haproxy.cfg for the podsec API load balancer, as a pure function of its inputs: TCP frontend
// on :8443 (rootlesskit holds 6443 on control planes), one health-checked backend server per
// control plane's apiserver.

export interface BackendServer {
  name: string;
  address: string;
  /** The apiserver port (default 6443). */
  port?: number;
}

export interface HaproxyConfig {
  servers: BackendServer[];
  /** Frontend port (default 8443). */
  bindPort?: number;
  /** Frontend address (default `*`: every address, the VIP included once keepalived holds it). */
  bindAddress?: string;
}

const NAME = /^[A-Za-z0-9_.:-]+$/;
const ADDRESS = /^[A-Za-z0-9_.:-]+$/;

/** The whole haproxy.cfg text. Throws on a name or address haproxy would misparse. */
export function renderHaproxy(c: HaproxyConfig): string {
  if (c.servers.length === 0) throw new Error('haproxy: no control-plane servers to balance');
  const seen = new Set<string>();
  for (const s of c.servers) {
    if (!NAME.test(s.name)) throw new Error(`haproxy: invalid server name "${s.name}"`);
    if (!ADDRESS.test(s.address)) throw new Error(`haproxy: invalid server address "${s.address}"`);
    if (seen.has(s.name)) throw new Error(`haproxy: duplicate server name "${s.name}"`);
    seen.add(s.name);
  }
  const bindAddress = c.bindAddress ?? '*';
  if (bindAddress !== '*' && !ADDRESS.test(bindAddress)) throw new Error(`haproxy: invalid bind address "${bindAddress}"`);
  const bind = `${bindAddress.includes(':') ? `[${bindAddress}]` : bindAddress}:${c.bindPort ?? 8443}`;
  const lines = [
    '# Rendered by podsec-play: the Kubernetes API of every control plane behind one port.',
    '# Edits here are replaced on the next run; change the inventory instead.',
    'global',
    '    log /dev/log local0',
    '    maxconn 4096',
    '',
    'defaults',
    '    log global',
    '    mode tcp',
    '    option tcplog',
    '    option dontlognull',
    '    retries 3',
    '    timeout connect 10s',
    '    timeout client 1h',
    '    timeout server 1h',
    '    timeout check 5s',
    '',
    'frontend kube-apiserver',
    `    bind ${bind}`,
    '    mode tcp',
    '    option tcplog',
    '    default_backend kube-apiserver',
    '',
    'backend kube-apiserver',
    '    mode tcp',
    '    # The apiserver answers /healthz over TLS: check-ssl with verify none (its cert is the',
    "    # cluster CA's, unknown to haproxy); a plain-HTTP check would always get 400.",
    '    option httpchk GET /healthz',
    '    http-check expect status 200',
    '    balance roundrobin',
    '    default-server inter 3s downinter 5s rise 2 fall 3 check-ssl verify none',
    ...c.servers.map((s) => `    server ${s.name} ${hostPort(s.address, s.port ?? 6443)} check`),
    '',
  ];
  return lines.join('\n');
}

function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
