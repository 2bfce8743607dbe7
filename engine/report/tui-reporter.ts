// The live tree for an admin at a terminal (listr2's default renderer): phases → hosts → steps,
// driven only by events. Every listr task waits on a deferred that an incoming event settles, and
// its title/state/output are updated from the run model; listr never runs or decides anything.
import { Listr, ListrDefaultRendererLogLevels, ListrLogger, ListrTaskState, ProcessOutput, figures } from 'listr2';
import type { ListrTask, ListrTaskWrapper, ListrRendererFactory } from 'listr2';
import type { PlayEvent } from '../events/types.js';
import { cleanLine, makePaint } from './ansi.js';
import { describeSkip } from './describe.js';
import { RunModel, isFinished, type HostNode, type PhaseNode, type StepNode } from './run-model.js';
import { summaryLines } from './summary.js';
import { hostCountLine, hostTitle, phaseTitle, stepTitle } from './tui-titles.js';
import { flushStream, writeTo, type Reporter } from './reporter.js';

type Ctx = Record<string, never>;
type Wrapper = ListrTaskWrapper<Ctx, ListrRendererFactory, ListrRendererFactory>;
type Task = ListrTask<Ctx, ListrRendererFactory, ListrRendererFactory>;

export interface TuiReporterOptions {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  color: boolean;
  logFile: string;
  /** A phase with more hosts than this folds finished and waiting hosts into a count line. */
  foldHostsAbove?: number;
  /** Refresh period of titles (elapsed time, countdowns) and output lines, in ms. */
  refreshMs?: number;
}

const FOLD_HOSTS_ABOVE = 8;

class Deferred<T = void> {
  settled = false;
  resolve!: (value: T) => void;
  readonly promise = new Promise<T>((resolve) => {
    this.resolve = (value: T) => {
      if (this.settled) return;
      this.settled = true;
      resolve(value);
    };
  });
}

interface Slot {
  index: number;
  host: HostEntry;
  node?: StepNode;
  wrapper?: Wrapper;
  done: Deferred;
  shownOutput?: string;
}

interface HostEntry {
  node: HostNode;
  phase: PhaseEntry;
  wrapper?: Wrapper;
  slots: Slot[];
  started: Deferred<'run' | 'skip'>;
  done: Deferred;
}

interface PhaseEntry {
  node: PhaseNode;
  wrapper?: Wrapper;
  hosts: HostEntry[];
  started: Deferred<'run' | 'skip'>;
  done: Deferred;
  fold: boolean;
  shownOutput?: string;
  notice?: string;
}

export class TuiReporter implements Reporter {
  private readonly model = new RunModel();
  private readonly phases: PhaseEntry[] = [];
  private running: Promise<unknown> | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private finished = false;
  private closed = false;

  constructor(private readonly options: TuiReporterOptions) {}

  private output: ProcessOutput | undefined;
  private listrEnded = false;

  /** Ends listr's hold on the terminal: shows the cursor and prints what others wrote meanwhile. */
  private readonly restoreCursor = (): void => {
    if (this.output && !this.listrEnded) this.output.release();
  };

  onEvent(event: PlayEvent): void {
    const node = this.model.apply(event);
    switch (event.type) {
      case 'run.started':
        this.start();
        return;
      case 'run.succeeded':
      case 'run.failed':
      case 'run.interrupted':
        this.finish();
        return;
      case 'phase.started':
        this.phaseEntry(event.phase).started.resolve('run');
        this.paintPhase(this.phaseEntry(event.phase));
        return;
      case 'phase.skipped':
        this.finishPhase(this.phaseEntry(event.phase));
        return;
      case 'phase.succeeded':
      case 'phase.failed':
        this.finishPhase(this.phaseEntry(event.phase));
        return;
      case 'host.started': {
        const host = this.hostEntry(event.phase, event.host);
        host.started.resolve('run');
        this.paintHost(host);
        this.paintPhase(host.phase);
        return;
      }
      case 'host.succeeded':
      case 'host.failed':
      case 'host.skipped':
        this.finishHost(this.hostEntry(event.phase, event.host));
        return;
      case 'step.output':
        // Shown by the refresh tick, at most a few times a second, however fast lines come.
        return;
      case 'note':
        // Repeated in the summary, where the admin looks once the tree stops
        return;
      case 'log':
        if (event.level === 'warn' || event.level === 'error') {
          const current = this.phases.find((p) => p.node.status === 'running');
          if (current) {
            current.notice = `${event.level}: ${event.host ? `${event.host}: ` : ''}${cleanLine(event.message)}`;
            this.paintPhase(current);
          }
        }
        return;
      default: {
        if (!node || !('outputTail' in node)) return;
        const slot = this.slotFor(node);
        if (!slot) return;
        this.paintSlot(slot);
        if (isFinished(node.status)) slot.done.resolve();
        this.paintHost(this.hostEntry(node.phase, node.host));
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.finish();
    if (this.running) await this.running;
    process.off('exit', this.restoreCursor);
    if (this.ticker) clearInterval(this.ticker);
    if (this.running) {
      const paint = makePaint(this.options.color);
      writeTo(this.options.stdout, '\n' + summaryLines(this.model, paint, this.options.logFile).join('\n') + '\n');
    }
    await flushStream(this.options.stdout);
  }

  private start(): void {
    if (this.running) return;
    const fold = this.options.foldHostsAbove ?? FOLD_HOSTS_ABOVE;
    for (const phase of this.model.phases) this.phaseEntry(phase.name).fold = phase.hosts.length > fold;
    this.output = new ProcessOutput(this.options.stdout as NodeJS.WriteStream, this.options.stderr as NodeJS.WriteStream);
    const logger = new ListrLogger({ useIcons: true, toStderr: [], processOutput: this.output });
    const listr = new Listr<Ctx>(
      this.phases.map((p) => this.phaseTask(p)),
      {
        concurrent: false,
        exitOnError: false,
        registerSignalListeners: false, // Ctrl-C belongs to the runner (it saves state, exits 130)
        renderer: 'default',
        rendererOptions: {
          logger,
          formatOutput: 'truncate',
          suffixRetries: false,
          collapseSubtasks: true,
          collapseSkips: true,
          showSkipMessage: true,
          icon: { [ListrDefaultRendererLogLevels.FAILED_WITH_FAILED_SUBTASKS]: figures.cross },
        },
      },
    );
    this.running = listr
      .run()
      .catch(() => undefined)
      .finally(() => (this.listrEnded = true));
    // listr hides the cursor and holds back other writes while it draws; if the process exits
    // before close() (a second Ctrl-C exits at once), give both back to the terminal.
    process.once('exit', this.restoreCursor);
    this.ticker = setInterval(() => this.tick(), this.options.refreshMs ?? 200);
    this.ticker.unref();
  }

  /** The run ended: settle every deferred so listr's tasks finish and the tree shows the end state. */
  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    for (const phase of this.phases) this.finishPhase(phase);
  }

  private phaseEntry(name: string): PhaseEntry {
    let entry = this.phases.find((p) => p.node.name === name);
    if (!entry) {
      entry = { node: this.model.phase(name), hosts: [], started: new Deferred(), done: new Deferred(), fold: false };
      this.phases.push(entry);
      for (const h of entry.node.hosts) this.hostEntry(name, h.name);
    }
    return entry;
  }

  private hostEntry(phase: string, name: string): HostEntry {
    const p = this.phaseEntry(phase);
    let entry = p.hosts.find((h) => h.node.name === name);
    if (!entry) {
      const created: HostEntry = { node: this.model.host(phase, name), phase: p, slots: [], started: new Deferred(), done: new Deferred() };
      for (let index = 0; index < Math.max(1, p.node.stepCount); index++) created.slots.push({ index, host: created, done: new Deferred() });
      p.hosts.push(created);
      entry = created;
    }
    return entry;
  }

  /** Steps on a host run in plan order, so the n-th step seen takes the n-th slot. */
  private slotFor(step: StepNode): Slot | undefined {
    const host = this.hostEntry(step.phase, step.host);
    const bound = host.slots.find((s) => s.node === step);
    if (bound) return bound;
    const free = host.slots.find((s) => !s.node && !s.done.settled);
    if (free) free.node = step;
    return free;
  }

  private finishPhase(phase: PhaseEntry): void {
    for (const host of phase.hosts) this.finishHost(host);
    phase.started.resolve('skip');
    this.paintPhase(phase);
    phase.done.resolve();
  }

  private finishHost(host: HostEntry): void {
    for (const slot of host.slots) {
      this.paintSlot(slot);
      slot.done.resolve();
    }
    host.started.resolve('skip');
    this.paintHost(host);
    host.done.resolve();
    this.paintPhase(host.phase);
  }

  private phaseTask(phase: PhaseEntry): Task {
    return {
      title: phaseTitle(phase.node, Date.now()),
      task: async (_ctx, w) => {
        phase.wrapper = w;
        this.paintPhase(phase);
        await phase.started.promise;
        if (phase.node.status === 'waiting' || phase.node.status === 'skipped') {
          w.skip(`${phase.node.name} — ${describeSkip(phase.node.skipReason ?? 'not-reached')}`);
          return;
        }
        return w.newListr(
          [
            { task: (_c, g) => g.newListr(phase.hosts.map((h) => this.hostTask(h)), { concurrent: true, exitOnError: false }) },
            {
              task: async () => {
                await phase.done.promise;
                this.paintPhase(phase);
                if (phase.node.status === 'failed') fail(w, phaseTitle(phase.node, Date.now()));
                if (phase.node.status === 'running') fail(w, `${phase.node.name} — interrupted`);
              },
            },
          ],
          { concurrent: false, exitOnError: true },
        );
      },
    };
  }

  private hostTask(host: HostEntry): Task {
    return {
      title: hostTitle(host.node, host.phase.node.stepCount, Date.now()),
      task: async (_ctx, w) => {
        host.wrapper = w;
        if (!host.started.settled) w.task.state$ = ListrTaskState.WAITING;
        this.paintHost(host);
        await host.started.promise;
        if (host.node.status === 'waiting' || host.node.status === 'skipped') {
          w.task.state$ = ListrTaskState.STARTED;
          w.skip(`${host.node.name} — ${describeSkip(host.node.skipReason ?? 'not-reached')}`);
          return;
        }
        w.task.state$ = ListrTaskState.STARTED;
        return w.newListr(
          [
            { task: (_c, g) => g.newListr(host.slots.map((s) => this.slotTask(s)), { concurrent: true, exitOnError: false }) },
            {
              task: async () => {
                await host.done.promise;
                this.paintHost(host);
                if (host.node.status === 'failed') fail(w, hostTitle(host.node, 0, Date.now()));
                if (host.node.status === 'running') fail(w, `${host.node.name} — interrupted${inFlight(host.node)}`);
              },
            },
          ],
          { concurrent: false, exitOnError: true },
        );
      },
    };
  }

  private slotTask(slot: Slot): Task {
    return {
      title: '…',
      task: async (_ctx, w) => {
        slot.wrapper = w;
        this.paintSlot(slot);
        await slot.done.promise;
        const node = slot.node;
        this.paintSlot(slot);
        if (!node) return;
        if (node.status === 'skipped') w.skip(stepTitle(node, Date.now()));
        else if (node.status === 'failed') throw new Error(stepTitle(node, Date.now()));
        else if (node.status !== 'succeeded') throw new Error(`${stepTitle({ ...node, status: 'waiting' }, Date.now())} — interrupted`);
      },
    };
  }

  private paintPhase(phase: PhaseEntry): void {
    const w = phase.wrapper;
    if (!w) return;
    setTitle(w, phaseTitle(phase.node, Date.now()));
    const lines = [phase.fold && phase.node.status === 'running' ? hostCountLine(phase.node, this.shownRunning) : '', phase.notice ?? ''].filter(Boolean);
    const output = lines.join('\n');
    if (output !== (phase.shownOutput ?? '')) {
      phase.shownOutput = output;
      w.output = output;
    }
    for (const host of phase.hosts) this.paintHostVisibility(host);
  }

  private paintHost(host: HostEntry): void {
    const w = host.wrapper;
    if (!w) return;
    setTitle(w, hostTitle(host.node, host.phase.node.stepCount, Date.now()));
    this.paintHostVisibility(host);
  }

  /**
   * Folded phases show only failed hosts and the first few running ones (each with just its
   * current step); the count line stands for the rest, so the tree fits the terminal.
   */
  private paintHostVisibility(host: HostEntry): void {
    const w = host.wrapper;
    if (!w) return;
    if (!host.phase.fold) return setVisible(w, true);
    const s = host.node.status;
    if (s === 'failed') return setVisible(w, true);
    if (s !== 'running') return setVisible(w, false);
    const running = host.phase.hosts.filter((h) => h.node.status === 'running');
    setVisible(w, running.indexOf(host) < this.shownRunning);
  }

  private get shownRunning(): number {
    return this.options.foldHostsAbove ?? FOLD_HOSTS_ABOVE;
  }

  private paintSlot(slot: Slot): void {
    const w = slot.wrapper;
    if (!w) return;
    const node = slot.node;
    const folded = slot.host.phase.fold;
    setVisible(w, node !== undefined && (!folded || node.status === 'running' || node.status === 'retrying' || node.status === 'failed'));
    if (!node) return;
    setTitle(w, stepTitle(node, Date.now()));
    if (node.status === 'retrying' && w.task.state !== ListrTaskState.RETRY) {
      w.task.message$ = { retry: { count: node.attempt } };
      w.task.state$ = ListrTaskState.RETRY;
      slot.shownOutput = undefined;
    }
    const output = node.status === 'running' && node.lastOutput !== undefined ? cleanLine(node.lastOutput) : '';
    if (output !== (slot.shownOutput ?? '')) {
      slot.shownOutput = output;
      w.output = output;
    }
  }

  private tick(): void {
    if (this.finished) return; // the end state is painted once; a tick must not repaint it
    for (const phase of this.phases) {
      if (phase.node.status !== 'running') continue;
      this.paintPhase(phase);
      for (const host of phase.hosts) {
        if (host.node.status !== 'running') continue;
        this.paintHost(host);
        for (const slot of host.slots) if (slot.node && !isFinished(slot.node.status)) this.paintSlot(slot);
      }
    }
  }
}

/**
 * Marks a task with subtasks failed: listr shows such a task by its title (not the error), so the
 * title carries the words; the throw (from a last, untitled subtask) makes listr mark it failed.
 */
function fail(w: Wrapper, title: string): never {
  setTitle(w, title);
  throw new Error(title);
}

/** ` at STEP` for the step a host was running when the run ended, if any. */
function inFlight(host: HostNode): string {
  const step = host.steps.find((s) => s.status === 'running' || s.status === 'retrying');
  return step ? ` at ${step.step}` : '';
}

function setTitle(w: Wrapper, title: string): void {
  if (w.title !== title) w.title = title;
}

/** listr2 skips disabled tasks when rendering; its `enabled` field is not in the public types. */
function setVisible(w: Wrapper, visible: boolean): void {
  const task = w.task as unknown as { enabled: boolean };
  if (task.enabled !== visible) task.enabled = visible;
}
