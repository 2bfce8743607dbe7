// The floor: the same commands sent by bare ssh2 over one connection per host, with setNoDelay,
// no engine, journal or events around them — one after another, several in flight at once on
// one connection, or on many hosts at once (each connection's handshake included there).
import { readFileSync } from 'node:fs';
import { Client } from 'ssh2';

export interface BareTarget {
  host: string;
  port: number;
  username: string;
  privateKeyFile: string;
}

function connect(target: BareTarget, key: Buffer): Promise<Client> {
  const conn = new Client();
  return new Promise<Client>((resolve, reject) => {
    conn.once('ready', () => resolve(conn));
    conn.once('error', reject);
    conn.connect({ host: target.host, port: target.port, username: target.username, privateKey: key, hostVerifier: () => true });
    conn.setNoDelay(true);
  });
}

function execOnce(conn: Client, command: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    conn.exec(command, (err, stream) => {
      if (err) return reject(err);
      stream.on('data', () => undefined);
      stream.stderr.on('data', () => undefined);
      stream.on('close', (code: number) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`))));
    });
  });
}

/** `count` commands, one after another over one connection: ms, handshake excluded. */
export async function bareLoop(target: BareTarget, count: number, command = 'true'): Promise<number> {
  const conn = await connect(target, readFileSync(target.privateKeyFile));
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await execOnce(conn, command);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  conn.end();
  return ms;
}

/** `count` commands over one connection, `inFlight` at a time: ms, handshake excluded. */
export async function bareInFlight(target: BareTarget, count: number, inFlight: number, command = 'true'): Promise<number> {
  const conn = await connect(target, readFileSync(target.privateKeyFile));
  const started = process.hrtime.bigint();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      await execOnce(conn, command);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  conn.end();
  return ms;
}

/** Every target at once: connect, then `first` (if given) and `count` × `command`, one after
 * another on each connection. Wall ms, handshakes included. */
export async function bareFanOut(targets: BareTarget[], count: number, first?: string, command = 'true'): Promise<number> {
  const keys = new Map<string, Buffer>();
  const keyOf = (file: string) => keys.get(file) ?? keys.set(file, readFileSync(file)).get(file)!;
  const started = process.hrtime.bigint();
  await Promise.all(
    targets.map(async (t) => {
      const conn = await connect(t, keyOf(t.privateKeyFile));
      if (first !== undefined) await execOnce(conn, first);
      for (let i = 0; i < count; i++) await execOnce(conn, command);
      conn.end();
    }),
  );
  return Number(process.hrtime.bigint() - started) / 1e6;
}
