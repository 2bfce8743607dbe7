// keepalived.conf and its API check script for the podsec VIP, as pure functions: one VRRP
// instance (MASTER 101 on the first LB, BACKUP 100, 99, … on the others), the VIP, and a
// check that lowers a node's priority when the API does not answer through it.

export const CHECK_SCRIPT_PATH = '/etc/keepalived/check_apiserver.sh';

export interface KeepalivedConfig {
  /** This LB's position among the LB hosts (0 = MASTER). */
  index: number;
  /** Overrides of what the position implies. */
  state?: 'MASTER' | 'BACKUP';
  priority?: number;
  interface: string;
  virtualRouterId: number;
  /** VRRP PASS authentication: at most 8 characters (keepalived ignores the rest). */
  authPass: string;
  vip: string;
  /** Prefix length of the VIP on the interface (default 32 for IPv4). */
  vipPrefix?: number;
  routerId?: string;
  checkScript?: string;
  /** Unicast VRRP (clouds without multicast): this LB's address and its peers'. */
  unicastSourceIp?: string;
  unicastPeers?: string[];
}

const WORD = /^[A-Za-z0-9_.:@-]+$/;

/** The MASTER/BACKUP role and priority implied by the LB's position. */
export function vrrpRole(index: number): { state: 'MASTER' | 'BACKUP'; priority: number } {
  return index === 0 ? { state: 'MASTER', priority: 101 } : { state: 'BACKUP', priority: 101 - index };
}

/** Problems with a VRRP password (keepalived reads it as one word, at most 8 characters). */
export function authPassProblem(pass: string): string | undefined {
  if (pass.length === 0) return 'the VRRP password is empty';
  if (pass.length > 8) return 'the VRRP password is longer than 8 characters (keepalived PASS uses at most 8)';
  if (!/^[\x21-\x7e]+$/.test(pass) || /["'#!\\{}]/.test(pass)) {
    return 'the VRRP password may hold only printable characters other than quotes, #, !, \\, { and }';
  }
  return undefined;
}

export function renderKeepalived(c: KeepalivedConfig): string {
  const role = vrrpRole(c.index);
  const state = c.state ?? role.state;
  const priority = c.priority ?? role.priority;
  const problem = authPassProblem(c.authPass);
  if (problem) throw new Error(`keepalived: ${problem}`);
  for (const [what, v] of [
    ['interface', c.interface],
    ['VIP', c.vip],
    ['router id', c.routerId ?? 'podsec'],
  ] as const) {
    if (!WORD.test(v)) throw new Error(`keepalived: invalid ${what} "${v}"`);
  }
  if (!Number.isInteger(c.virtualRouterId) || c.virtualRouterId < 1 || c.virtualRouterId > 255) {
    throw new Error(`keepalived: virtual_router_id must be 1..255, not ${c.virtualRouterId}`);
  }
  if (!Number.isInteger(priority) || priority < 1 || priority > 254) {
    throw new Error(`keepalived: priority must be 1..254, not ${priority}`);
  }
  const prefix = c.vipPrefix ?? (c.vip.includes(':') ? 128 : 32);
  const unicast: string[] = [];
  if (c.unicastPeers && c.unicastPeers.length > 0) {
    for (const p of [...c.unicastPeers, c.unicastSourceIp ?? '']) {
      if (p !== '' && !WORD.test(p)) throw new Error(`keepalived: invalid unicast address "${p}"`);
    }
    if (c.unicastSourceIp) unicast.push(`    unicast_src_ip ${c.unicastSourceIp}`);
    unicast.push('    unicast_peer {', ...c.unicastPeers.map((p) => `        ${p}`), '    }');
  }
  return [
    '! Rendered by podsec-play: the VIP in front of the Kubernetes API load balancers.',
    '! Edits here are replaced on the next run; change the inventory instead.',
    'global_defs {',
    `    router_id ${c.routerId ?? 'podsec'}`,
    '    enable_script_security',
    '    script_user root',
    '}',
    '',
    'vrrp_script check_apiserver {',
    `    script "${c.checkScript ?? CHECK_SCRIPT_PATH}"`,
    '    interval 3',
    '    weight -2',
    '    fall 10',
    '    rise 2',
    '}',
    '',
    'vrrp_instance VI_1 {',
    `    state ${state}`,
    `    interface ${c.interface}`,
    `    virtual_router_id ${c.virtualRouterId}`,
    `    priority ${priority}`,
    '    advert_int 1',
    ...unicast,
    '    authentication {',
    '        auth_type PASS',
    `        auth_pass ${c.authPass}`,
    '    }',
    '    virtual_ipaddress {',
    `        ${c.vip}/${prefix}`,
    '    }',
    '    track_script {',
    '        check_apiserver',
    '    }',
    '}',
    '',
  ].join('\n');
}

/**
 * check_apiserver.sh: fails when the API does not answer through this LB's haproxy, or through
 * the VIP while this node holds it. Uses /healthz (anonymous GET / is 403 on a kubeadm API).
 */
export function renderCheckScript(c: { vip: string; port?: number }): string {
  if (!WORD.test(c.vip)) throw new Error(`keepalived: invalid VIP "${c.vip}"`);
  const port = c.port ?? 8443;
  const vipUrl = `https://${c.vip.includes(':') ? `[${c.vip}]` : c.vip}:${port}/healthz`;
  return [
    '#!/bin/sh',
    '# Rendered by podsec-play: keepalived lowers this node\'s priority when this fails.',
    'fail() { echo "*** $*" >&2; exit 1; }',
    `curl -sfk --max-time 2 -o /dev/null https://localhost:${port}/healthz || fail "GET https://localhost:${port}/healthz"`,
    `if ip -o addr show | grep -qF ' ${c.vip}/'; then`,
    `    curl -sfk --max-time 2 -o /dev/null ${vipUrl} || fail "GET ${vipUrl}"`,
    'fi',
    '',
  ].join('\n');
}
