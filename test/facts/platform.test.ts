// The platform must be what podsec itself would take: podsec/bin/podsec-get-platform
// (alt-cloud/podsec commit 5014172) reads ALT_BRANCH_ID (any c10f… is c10f), else CPE_NAME's
// fourth and fifth fields (spserver → c10f, sisyphus → sisyphus, else p<major>).
import { describe, expect, it } from 'vitest';
import { osFacts } from '../../engine/facts/parse-system.js';
import { platformOf } from '../../engine/facts/platform.js';

describe('the platform from /etc/os-release', () => {
  it.each([
    ['ALT Server 10.2 (CPE only)', 'ID=altlinux\nCPE_NAME="cpe:/o:alt:server:10.2"\n', 'p10'],
    ['ALT Workstation 11', 'ID=altlinux\nCPE_NAME="cpe:/o:alt:workstation:11.0"\n', 'p11'],
    ['ALT SP Server by CPE', 'ID=altlinux\nCPE_NAME="cpe:/o:alt:spserver:10"\n', 'c10f'],
    ['ALT SP Server by branch', 'ID=altlinux\nCPE_NAME="cpe:/o:alt:spserver:10"\nALT_BRANCH_ID="c10f2"\n', 'c10f'],
    ['a branch id wins over the CPE', 'ID=altlinux\nCPE_NAME="cpe:/o:alt:server:10.2"\nALT_BRANCH_ID=p10\n', 'p10'],
    ['Sisyphus', 'ID=altlinux\nCPE_NAME="cpe:/o:alt:sisyphus:20250101"\n', 'sisyphus'],
    ['Sisyphus by branch', 'ID=altlinux\nALT_BRANCH_ID=sisyphus\n', 'sisyphus'],
    ['Debian: no podsec platform', 'ID=debian\nVERSION_ID="12"\n', undefined],
    ['no os-release at all', '', undefined],
  ])('%s → %s', (_what, text, platform) => {
    expect(platformOf(osFacts(text))).toBe(platform);
  });

  it('reads quoted and unquoted values, escapes included', () => {
    expect(osFacts('NAME="ALT \\"Server\\""\nID=altlinux\nPRETTY_NAME=\'ALT Server 10.2\'\n# comment\n')).toEqual({
      id: 'altlinux',
      name: 'ALT "Server"',
      prettyName: 'ALT Server 10.2',
    });
  });
});
