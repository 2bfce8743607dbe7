// One simulated node: an ssh2 server on 127.0.0.1 (its own port and host key) whose commands and
// SFTP land in DIR/nodes/NAME. It follows the node's sshd unit: when a stand-in `systemctl`
// stops sshd, the listener closes (existing sessions live on, like sshd's KillMode=process).
// Every TCP connection to the node's SSH port is recorded in DIR/connections.log, so a test can
// prove that nobody tried SSH on a node (a sealed node needs the tripwire for that: its port
// would otherwise refuse connections without anybody seeing them).
import { timingSafeEqual } from 'node:crypto';
import { appendFileSync, watch, readFileSync, type FSWatcher } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import type { Connection, ParsedKey } from 'ssh2';
import type { ChildProcess } from 'node:child_process';
import { runExec, killGroup, signalFor } from './exec-channel.js';
import { rewriteCommand } from './rewrite.js';
import { serveSftp } from './sftp-session.js';
import { writeFileAtomic, type LabNode } from './layout.js';

export interface NodeServerOptions {
  dir: string;
  node: LabNode;
  root: string;
  hostKey: string;
  clientKey: ParsedKey;
  /** PATH for commands: the stand-ins first. */
  path: string;
  /** A node that boots sealed keeps its port as a tripwire (see StartLabOptions). */
  tripwireSealed?: boolean;
}

/** One line of DIR/connections.log. */
export interface ConnectionRecord {
  time: string;
  node: string;
  port: number;
  /** `ssh`: the node's sshd took it; `tripwire`: the node is sealed, the connection was dropped. */
  kind: 'ssh' | 'tripwire';
}

interface SshdState {
  enabled: boolean;
  active: boolean;
}

export class NodeServer {
  private readonly server: ssh2.Server;
  private readonly connections = new Set<Connection>();
  /** Commands still running (killed, process group and all, when the lab stops). */
  private readonly children = new Set<ChildProcess>();
  private readonly clientBlob: Buffer;
  private readonly stateFile: string;
  private watcher: FSWatcher | undefined;
  private tripwire: Server | undefined;
  private listening = false;
  private stopped = false;
  private queue: Promise<void> = Promise.resolve();
  port: number;

  constructor(private readonly opts: NodeServerOptions) {
    this.port = opts.node.port;
    this.clientBlob = opts.clientKey.getPublicSSH();
    this.stateFile = join(opts.root, 'var/lib/lab/systemd/sshd.json');
    this.server = new ssh2.Server({ hostKeys: [opts.hostKey] }, (client) => this.onClient(client));
    // Nagle off: without it every round trip waits ~40 ms (LIBRARY-FACTS §3). Typed loosely: @types/ssh2 lacks it.
    this.server.on('connection', (c: Connection) => {
      (c as Connection & { setNoDelay(v: boolean): void }).setNoDelay(true);
      this.record('ssh');
    });
    this.server.on('error', () => undefined);
  }

  get isListening(): boolean {
    return this.listening;
  }

  /** Boot: sshd comes up when it is enabled (a disabled sshd stays down: the node is sealed). */
  async start(): Promise<void> {
    const state = this.readState();
    this.writeState({ enabled: state.enabled, active: state.enabled });
    if (state.enabled) await this.listen();
    else if (this.opts.tripwireSealed && this.port > 0) await this.openTripwire();
    this.watch();
  }

  /** Append a line to DIR/connections.log. */
  private record(kind: ConnectionRecord['kind']): void {
    const line: ConnectionRecord = { time: new Date().toISOString(), node: this.opts.node.name, port: this.port, kind };
    try {
      appendFileSync(join(this.opts.dir, 'connections.log'), JSON.stringify(line) + '\n');
    } catch {
      // the lab directory is being removed
    }
  }

  private openTripwire(): Promise<void> {
    return new Promise((resolve, reject) => {
      const wire = createServer((socket: Socket) => {
        this.record('tripwire');
        socket.on('error', () => undefined);
        socket.destroy();
      });
      wire.once('error', (err) => reject(new Error(`node ${this.opts.node.name}: cannot hold 127.0.0.1:${this.port} as a tripwire: ${err.message}`)));
      wire.listen(this.port, '127.0.0.1', () => {
        this.tripwire = wire;
        resolve();
      });
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.watcher?.close();
    this.tripwire?.close();
    await this.queue;
    await this.unlisten();
    for (const c of this.connections) c.end();
    for (const child of this.children) killGroup(child, 'SIGKILL');
  }

  private track(child: ChildProcess): ChildProcess {
    this.children.add(child);
    child.once('close', () => this.children.delete(child));
    child.once('error', () => this.children.delete(child));
    return child;
  }

  private readState(): SshdState {
    try {
      const s = JSON.parse(readFileSync(this.stateFile, 'utf8')) as Partial<SshdState>;
      return { enabled: s.enabled !== false, active: s.active !== false };
    } catch {
      return { enabled: true, active: true };
    }
  }

  private writeState(s: SshdState): void {
    const current = this.readState();
    if (current.enabled === s.enabled && current.active === s.active) return;
    writeFileAtomic(this.stateFile, JSON.stringify(s) + '\n');
  }

  private watch(): void {
    try {
      this.watcher = watch(join(this.opts.root, 'var/lib/lab/systemd'), (_event, file) => {
        if (file === 'sshd.json') this.follow();
      });
      this.watcher.on('error', () => undefined);
    } catch {
      // no state directory: the node's sshd cannot be controlled, it just keeps listening
    }
  }

  /** Apply the sshd unit's current state (serialised: events may come in bursts). */
  private follow(): void {
    this.queue = this.queue.then(async () => {
      if (this.stopped) return;
      const { active } = this.readState();
      if (active && !this.listening) {
        if (this.tripwire) await new Promise<void>((r) => this.tripwire!.close(() => r()));
        this.tripwire = undefined;
        await this.listen();
      }
      else if (!active && this.listening) await this.unlisten();
    });
  }

  private listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(new Error(`node ${this.opts.node.name}: cannot listen on 127.0.0.1:${this.port}: ${err.message}`));
      this.server.once('error', onError);
      this.server.listen(this.port, '127.0.0.1', () => {
        this.server.off('error', onError);
        this.port = (this.server.address() as { port: number }).port;
        this.listening = true;
        resolve();
      });
    });
  }

  private async unlisten(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    this.server.close(); // stops accepting; established sessions are left alone
  }

  /** LANG of the node's sessions: its /etc/locale.conf (ALT keeps the system locale there), else C.UTF-8. */
  private systemLocale(): string {
    try {
      const m = /^\s*LANG=["']?([^"'\s]+)/m.exec(readFileSync(join(this.opts.root, 'etc/locale.conf'), 'utf8'));
      return m?.[1] ?? 'C.UTF-8';
    } catch {
      return 'C.UTF-8';
    }
  }

  private baseEnv(user: string): Record<string, string> {
    const home = user === 'root' ? '/root' : `/home/${user}`;
    return {
      PATH: this.opts.path,
      HOME: this.opts.root + home,
      USER: user,
      LOGNAME: user,
      SHELL: '/bin/sh',
      LANG: this.systemLocale(),
      TMPDIR: join(this.opts.root, 'tmp'),
      LAB_DIR: this.opts.dir,
      LAB_NODE: this.opts.node.name,
      LAB_NODE_ROOT: this.opts.root,
      ...(user === 'root' ? {} : { LAB_USER: user }),
    };
  }

  private authorised(key: { algo: string; data: Buffer }): boolean {
    return key.algo === this.opts.clientKey.type && key.data.length === this.clientBlob.length && timingSafeEqual(key.data, this.clientBlob);
  }

  private onClient(client: Connection): void {
    this.connections.add(client);
    client.on('close', () => this.connections.delete(client));
    client.on('error', () => undefined);
    let user = 'root';
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey' || !this.authorised(ctx.key)) return ctx.reject(['publickey']);
      if (ctx.signature && this.opts.clientKey.verify(ctx.blob as Buffer, ctx.signature, ctx.hashAlgo) !== true) {
        return ctx.reject(['publickey']);
      }
      user = ctx.username;
      ctx.accept();
    });
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        let term: string | undefined;
        let size: { cols: number; rows: number } | undefined;
        const requested: Record<string, string> = {};
        let child: ChildProcess | undefined;
        const env = () => {
          const base = this.baseEnv(user);
          const merged: Record<string, string> = { ...requested, ...base };
          // sshd's AcceptEnv LANG LC_*: the client's locale wins over the node's.
          for (const [k, v] of Object.entries(requested)) if (k === 'LANG' || k === 'LANGUAGE' || k.startsWith('LC_')) merged[k] = v;
          if (requested.PATH) merged.PATH = `${this.opts.path.split(':')[0]}:${requested.PATH}`;
          if (term !== undefined) Object.assign(merged, { TERM: term, LAB_TTY: '1' });
          // The terminal's size, which a real program reads from the tty (pinentry's dialog uses it).
          if (term !== undefined && size) Object.assign(merged, { COLUMNS: String(size.cols), LINES: String(size.rows) });
          return merged;
        };
        session.on('pty', (accept, _reject, info) => {
          term = info.term || 'xterm';
          if (info.cols > 0 && info.rows > 0) size = { cols: info.cols, rows: info.rows };
          accept?.();
        });
        session.on('window-change', (accept) => accept?.());
        session.on('env', (accept, _reject, info) => {
          requested[info.key] = info.val;
          accept?.();
        });
        session.on('signal', (accept, _reject, info) => {
          const sig = signalFor(info.name);
          if (child && sig) killGroup(child, sig);
          accept?.();
        });
        session.on('exec', (accept, _reject, info) => {
          const command = rewriteCommand(info.command, this.opts.root, this.opts.dir);
          child = this.track(runExec(accept(), { command, cwd: this.opts.root, env: env(), pty: term !== undefined }));
        });
        session.on('shell', (accept) => {
          child = this.track(runExec(accept(), { command: undefined, cwd: this.opts.root, env: env(), pty: term !== undefined }));
        });
        session.on('sftp', (accept) => serveSftp(accept(), this.opts.root));
      });
    });
  }
}
