// The host.json the lab seeds on each node (lab/seed.ts) and the defaults the reporting stand-ins
// fall back to (lab/standins/lib/host-config.mjs) are two copies — a packed executable cannot
// import a stand-in module — kept equal here, so a node with a seeded file and one without it
// report the same host.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hostJson } from '../../lab/seed.js';

describe('a node\'s host settings', () => {
  it('are seeded with the defaults the stand-ins fall back to', () => {
    const mjs = fileURLToPath(new URL('../../lab/standins/lib/host-config.mjs', import.meta.url));
    const theirs = execFileSync(process.execPath, ['--input-type=module', '-e', `import(${JSON.stringify(mjs)}).then((m) => console.log(JSON.stringify(m.HOST_DEFAULTS)))`], {
      encoding: 'utf8',
      env: { ...process.env, LAB_DIR: '/nonexistent', LAB_NODE: 'n1', LAB_NODE_ROOT: '/nonexistent/n1' },
    });
    expect(JSON.parse(hostJson())).toEqual(JSON.parse(theirs));
  });
});
