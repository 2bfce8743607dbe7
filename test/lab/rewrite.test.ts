import { describe, expect, test } from 'vitest';
import { hostPath, rewriteCommand, toVirtual, virtualPath } from '../../lab/rewrite.js';

const DIR = '/tmp/labx';
const ROOT = `${DIR}/nodes/cp-1`;

describe('rewriteCommand puts word-initial system paths under the node root', () => {
  test.each([
    ['test -e /etc/kubernetes/kubelet.conf', `test -e ${ROOT}/etc/kubernetes/kubelet.conf`],
    ['cat /etc/containers/policy.json', `cat ${ROOT}/etc/containers/policy.json`],
    ['sha256sum /var/sigstore/keys/*.pgp', `sha256sum ${ROOT}/var/sigstore/keys/*.pgp`],
    ['export PATH=/usr/libexec/podsec/u7s/bin/:$PATH', `export PATH=${ROOT}/usr/libexec/podsec/u7s/bin/:$PATH`],
    ["echo 'x' >/tmp/a;cat</tmp/a", `echo 'x' >${ROOT}/tmp/a;cat<${ROOT}/tmp/a`],
    ['ls "/root" \'/home/u\' (cd /opt)', `ls "${ROOT}/root" '${ROOT}/home/u' (cd ${ROOT}/opt)`],
    ['ls /etc', `ls ${ROOT}/etc`],
    ['a=1:/run/x', `a=1:${ROOT}/run/x`],
    ['x|/var/y&&/tmp/z', `x|${ROOT}/var/y&&${ROOT}/tmp/z`],
  ])('%s', (input, output) => {
    expect(rewriteCommand(input, ROOT, DIR)).toBe(output);
  });

  test.each([
    ['paths not on the list stay', 'ls /usr/bin /proc/swaps /bin/sh', 'ls /usr/bin /proc/swaps /bin/sh'],
    ['a prefix that is not a whole path segment stays', 'ls /etcetera /tmpfs /variable', 'ls /etcetera /tmpfs /variable'],
    ['inside a word stays', 'curl http://sigstore.local:81/sigstore/ a/etc/b', 'curl http://sigstore.local:81/sigstore/ a/etc/b'],
    ['/usr/libexec other than podsec stays', 'ls /usr/libexec/other', 'ls /usr/libexec/other'],
    ['paths already inside the lab dir stay', `cat ${DIR}/nodes/cp-2/etc/hosts`, `cat ${DIR}/nodes/cp-2/etc/hosts`],
  ])('%s', (_title, input, output) => {
    expect(rewriteCommand(input, ROOT, DIR)).toBe(output);
  });

  test('a lab dir under /tmp is not rewritten twice', () => {
    const cmd = `cat ${ROOT}/etc/hosts /etc/hosts`;
    expect(rewriteCommand(cmd, ROOT, DIR)).toBe(`cat ${ROOT}/etc/hosts ${ROOT}/etc/hosts`);
  });
});

describe('SFTP paths map into the node root and cannot leave it', () => {
  test.each([
    ['/etc/hosts', `${ROOT}/etc/hosts`],
    ['/', ROOT],
    ['upload.tmp', `${ROOT}/root/upload.tmp`],
    ['/../../etc/passwd', `${ROOT}/etc/passwd`],
    ['/var/../../../x', `${ROOT}/x`],
  ])('%s', (input, output) => {
    expect(hostPath(ROOT, input)).toBe(output);
  });

  test('realpath of . is root\'s home, and host paths read back as node paths', () => {
    expect(virtualPath('.')).toBe('/root');
    expect(toVirtual(ROOT, `${ROOT}/etc/hosts`)).toBe('/etc/hosts');
    expect(toVirtual(ROOT, '/elsewhere/x')).toBe('/elsewhere/x');
  });
});
