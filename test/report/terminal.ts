// A real pseudo-terminal for TUI tests: a private tmux server (its own socket) running one
// command in a pane of a fixed size. Frames are read with capture-pane; waiting polls for a text
// with a bounded number of tries (no fixed sleeps). stop() kills the server and checks its pid.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export class Terminal {
  private constructor(
    private readonly socket: string,
    private readonly dir: string,
    readonly serverPid: number,
  ) {}

  /** Starts `command` (a shell command line) in a cols × rows pane; the pane stays after it exits. */
  static async start(command: string, cols = 120, rows = 40, env: Record<string, string> = {}): Promise<Terminal> {
    const dir = mkdtempSync(join(tmpdir(), 'tui-'));
    const socket = join(dir, 'tmux.sock');
    const envArgs = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    // `exec tail` keeps the pane (and its last frame) after the command ends, until stop().
    await run('tmux', ['-S', socket, '-f', '/dev/null', 'new-session', '-d', '-s', 'tui', '-x', String(cols), '-y', String(rows), ...envArgs, `${command}; exec tail -f /dev/null`]);
    const { stdout } = await run('tmux', ['-S', socket, 'display-message', '-p', '-t', 'tui', '#{pid}']);
    return new Terminal(socket, dir, Number(stdout.trim()));
  }

  /** The visible screen, or with `history` also what scrolled off. Plain text, no escapes. */
  async capture(history = false): Promise<string> {
    const args = ['-S', this.socket, 'capture-pane', '-p', '-t', 'tui', ...(history ? ['-S', '-2000'] : [])];
    const { stdout } = await run('tmux', args);
    return stdout.replace(/\n+$/, '\n');
  }

  /** Polls the screen until `pattern` shows (every 50 ms, at most `tries` times); returns that frame. */
  async waitFor(pattern: string | RegExp, options: { history?: boolean; tries?: number } = {}): Promise<string> {
    const tries = options.tries ?? 400;
    let frame = '';
    for (let i = 0; i < tries; i++) {
      frame = await this.capture(options.history);
      if (typeof pattern === 'string' ? frame.includes(pattern) : pattern.test(frame)) return frame;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`terminal never showed ${String(pattern)}; last frame:\n${frame}`);
  }

  /** Types keys into the pane, as tmux send-keys names them (`Tab`, `Enter`, or literal text). */
  async type(...keys: string[]): Promise<void> {
    await run('tmux', ['-S', this.socket, 'send-keys', '-t', 'tui', ...keys]);
  }

  /** Whether the terminal shows its cursor (a TUI hides it while drawing). */
  async cursorVisible(): Promise<boolean> {
    const { stdout } = await run('tmux', ['-S', this.socket, 'display-message', '-p', '-t', 'tui', '#{cursor_flag}']);
    return stdout.trim() === '1';
  }

  async stop(): Promise<void> {
    await run('tmux', ['-S', this.socket, 'kill-server']).catch(() => undefined);
    const alive = () => {
      try {
        process.kill(this.serverPid, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 40 && alive(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    if (alive()) process.kill(this.serverPid, 'SIGKILL'); // still there after 2 s: make sure it goes
    rmSync(this.dir, { recursive: true, force: true });
  }
}
