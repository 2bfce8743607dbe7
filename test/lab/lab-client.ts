// Test helper: start a lab in a temp dir, talk to its nodes over real SSH (ssh2 Client with the
// lab's key and known_hosts), answer prompts, and read each node's actions.log.
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, type SFTPWrapper } from 'ssh2';
import { startLab, type RunningLab, type StartLabOptions } from '../../lab/index.js';

export interface ExecOutcome {
  code: number | null;
  signal: string | undefined;
  stdout: string;
  stderr: string;
}

export interface ExecOpts {
  pty?: boolean;
  stdin?: string;
  /** [prompt pattern, answer]: when the unanswered output matches, the answer and a newline are sent. */
  answers?: [RegExp, string][];
  env?: Record<string, string>;
}

export interface NodeSession {
  exec(command: string, opts?: ExecOpts): Promise<ExecOutcome>;
  sftp(): Promise<SFTPWrapper>;
  end(): void;
  client: Client;
}

export function tempDir(prefix = 'podsec-lab-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The key the lab wrote for `[127.0.0.1]:port` in its known_hosts (base64 blob). */
export function knownKey(lab: RunningLab, port: number): string | undefined {
  const line = readFileSync(lab.knownHostsFile, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`[127.0.0.1]:${port} `));
  return line?.split(' ')[2];
}

export function connectNode(lab: RunningLab, name: string): Promise<NodeSession> {
  const node = lab.nodes.find((n) => n.name === name);
  if (!node) throw new Error(`no node ${name}`);
  const expected = knownKey(lab, node.port);
  const client = new Client();
  return new Promise((resolve, reject) => {
    client.on('error', reject);
    client.on('ready', () => {
      resolve({
        client,
        exec: (command, opts = {}) => execOn(client, command, opts),
        sftp: () => new Promise((res, rej) => client.sftp((err, s) => (err ? rej(err) : res(s)))),
        end: () => client.end(),
      });
    });
    client.connect({
      host: '127.0.0.1',
      port: node.port,
      username: 'root',
      privateKey: readFileSync(lab.identityFile),
      hostVerifier: (key: Buffer) => key.toString('base64') === expected,
      readyTimeout: 10_000,
    });
    // Nagle off on our side too (LIBRARY-FACTS §3)
    (client as unknown as { _sock?: { setNoDelay?(v: boolean): void } })._sock?.setNoDelay?.(true);
  });
}

function execOn(client: Client, command: string, opts: ExecOpts): Promise<ExecOutcome> {
  return new Promise((resolve, reject) => {
    client.exec(command, { pty: opts.pty ? { term: 'xterm', rows: 24, cols: 80 } : undefined, env: opts.env }, (err, ch) => {
      if (err) return reject(err);
      let stdout = '';
      let stderr = '';
      let pending = '';
      let code: number | null = null;
      let signal: string | undefined;
      ch.on('data', (d: Buffer) => {
        stdout += d.toString();
        pending += d.toString();
        for (const [re, answer] of opts.answers ?? []) {
          if (re.test(pending)) {
            pending = '';
            ch.write(answer + '\n');
            break;
          }
        }
      });
      ch.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      ch.on('exit', (c: number | null, s?: string) => {
        code = c;
        signal = s ?? undefined;
      });
      ch.on('close', () => resolve({ code, signal, stdout, stderr }));
      if (opts.stdin !== undefined) ch.end(opts.stdin);
      else if (!opts.pty && !opts.answers) ch.end();
    });
  });
}

export interface ActionLine {
  time: string;
  argv: string[];
  exit?: number;
  event?: string;
  [key: string]: unknown;
}

export function actions(lab: RunningLab, name: string): ActionLine[] {
  const file = join(lab.dir, 'nodes', name, 'actions.log');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ActionLine);
}

/** Start a lab in a fresh temp dir; `cleanup()` stops it and removes the dir. */
export async function freshLab(opts: Omit<StartLabOptions, 'dir'> = {}): Promise<RunningLab & { cleanup(): Promise<void> }> {
  const dir = tempDir();
  const lab = await startLab({ dir, readyDelayMs: 0, ...opts });
  return Object.assign(lab, {
    async cleanup() {
      await lab.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}
