// The floor: the same commands sent by a bare ssh2 loop over one connection, with setNoDelay,
// no engine, journal or events around them.
import { readFileSync } from 'node:fs';
import { Client } from 'ssh2';

export interface BareTarget {
  host: string;
  port: number;
  username: string;
  privateKeyFile: string;
}

export async function bareLoop(target: BareTarget, count: number, command = 'true'): Promise<number> {
  const conn = new Client();
  await new Promise<void>((resolve, reject) => {
    conn.once('ready', () => resolve());
    conn.once('error', reject);
    conn.connect({
      host: target.host,
      port: target.port,
      username: target.username,
      privateKey: readFileSync(target.privateKeyFile),
      hostVerifier: () => true,
    });
    conn.setNoDelay(true);
  });
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    await new Promise<void>((resolve, reject) => {
      conn.exec(command, (err, stream) => {
        if (err) return reject(err);
        stream.on('data', () => undefined);
        stream.stderr.on('data', () => undefined);
        stream.on('close', (code: number) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`))));
      });
    });
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  conn.end();
  return ms;
}
