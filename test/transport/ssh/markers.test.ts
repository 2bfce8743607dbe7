// Marker lines (pid, env request) are stripped from output wherever it lands, across chunk borders.
import { describe, expect, it } from 'vitest';
import { envRequestPrefix, killCommand, MarkerFilter, pidMarkerPrefix } from '../../../engine/transport/ssh/markers.js';

function feed(chunks: string[]): { out: string; pid: number | undefined } {
  const f = new MarkerFilter('podsec-pid');
  let out = '';
  for (const c of chunks) out += f.push(Buffer.from(c, 'latin1')).toString('latin1');
  out += f.flush().toString('latin1');
  return { out, pid: f.pid };
}

describe('MarkerFilter', () => {
  it('strips the marker line and keeps the pid', () => {
    expect(feed(['\u001epodsec-pid:4242\nreal error\n'])).toEqual({ out: 'real error\n', pid: 4242 });
  });

  it('finds it after login-shell noise and across chunk borders', () => {
    expect(feed(['bashrc: warning\n\u001epod', 'sec-pid:7\r', '\nrest'])).toEqual({ out: 'bashrc: warning\nrest', pid: 7 });
  });

  it('passes output through untouched when there is no marker', () => {
    expect(feed(['plain ', 'output\n', '\u001e not a marker\n'])).toEqual({ out: 'plain output\n\u001e not a marker\n', pid: undefined });
  });

  it('prints the marker with printf and kills the process group, falling back to the pid', () => {
    expect(pidMarkerPrefix()).toBe(`printf '\\036podsec-pid:%s\\n' "$$" >&2; `);
    expect(killCommand(12, 'TERM')).toBe('kill -TERM -- -12 2>/dev/null || kill -TERM 12 2>/dev/null; true');
  });

  it('calls back once for a bare marker (the PTY env request) and strips it', () => {
    const found: string[] = [];
    const f = new MarkerFilter('podsec-env', (v) => found.push(v));
    const out = Buffer.concat([f.push(Buffer.from('[sudo] ok\r\n\u001epodsec-e')), f.push(Buffer.from('nv\r\nhello\r\n'))]);
    expect(out.toString()).toBe('[sudo] ok\r\nhello\r\n');
    expect(found).toEqual(['']);
    expect(envRequestPrefix()).toBe(`printf '\\036podsec-env\\n'; `);
  });
});
