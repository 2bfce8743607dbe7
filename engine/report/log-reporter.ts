// The full record of a run: every event (output lines included) as one pino JSON line in the log
// file, host named, level by event type. Written synchronously so that a crash or kill -9 loses
// nothing already delivered (a step's started/succeeded lines are delivered once its next command
// runs: see EventBus.defer); events arrive already masked by the EventBus.
import { pino } from 'pino';
import type { Logger } from 'pino';
import { PlayError, errorMessage } from '../errors.js';
import type { PlayEvent } from '../events/types.js';
import { describeSkip } from './describe.js';
import { eventLine } from './plain-lines.js';
import type { Reporter } from './reporter.js';

type Level = 'debug' | 'info' | 'warn' | 'error';

export function levelFor(event: PlayEvent): Level {
  switch (event.type) {
    case 'log':
      return event.level;
    case 'step.retrying':
    case 'run.interrupted':
      return 'warn';
    case 'run.failed':
    case 'phase.failed':
    case 'host.failed':
    case 'step.failed':
      return 'error';
    case 'preflight.finished':
      return event.ok ? 'info' : 'error';
    case 'step.skipped':
    case 'host.skipped':
    case 'phase.skipped':
      return event.reason === 'not-reached' ? 'warn' : 'info';
    default:
      return 'info';
  }
}

export class LogFileReporter implements Reporter {
  private readonly dest: ReturnType<typeof pino.destination>;
  private readonly logger: Logger;
  private closed = false;
  /** The file stopped taking writes (disk full, say): the run goes on, and close() must not
   * wait for a flush that cannot happen. */
  private failed = false;

  constructor(readonly file: string) {
    try {
      this.dest = pino.destination({ dest: file, sync: true, mkdir: true, append: true, mode: 0o600 });
    } catch (err) {
      throw new PlayError(`cannot open the log file ${file}: ${errorMessage(err)}`, { code: 'E_INPUT', cause: err });
    }
    this.dest.on('error', () => {
      this.failed = true;
    });
    this.logger = pino(
      { name: 'podsec-play', level: 'debug', base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
      this.dest,
    );
  }

  onEvent(event: PlayEvent): void {
    if (this.closed) return;
    const level = levelFor(event);
    if (event.type === 'log') {
      const { level: _level, message, ...fields } = event;
      this.logger[level](fields, message);
      return;
    }
    const msg =
      event.type === 'step.output'
        ? `${event.phase}/${event.host} ${event.step} ${event.stream}: ${event.line}`
        : event.type === 'step.skipped'
          ? `${event.phase}/${event.host} ${event.step}: skipped: ${describeSkip(event.reason, event.detail)}`
          : (eventLine(event)?.text ?? event.type);
    this.logger[level]({ ...event }, msg);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.failed) {
      try {
        this.dest.flushSync();
      } catch {
        this.failed = true;
      }
    }
    await new Promise<void>((resolve) => {
      if ((this.dest as { destroyed?: boolean }).destroyed) return resolve();
      this.dest.once('close', () => resolve());
      this.dest.once('error', () => resolve());
      if (this.failed) this.dest.destroy();
      else this.dest.end();
    });
  }
}
