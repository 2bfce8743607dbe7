// The single choke point every event passes: stamps it, masks secrets, fans it out.
//
// A step's `started` and `succeeded` events may be deferred (`defer`): stamped when they happen,
// delivered at the next `flush` — which the step context calls once the next command is running
// on its host — or before any other event, or within DEFER_LIMIT_MS at the latest. Writing them
// (masking, the log file, the reporters) then overlaps the command's round trip instead of
// delaying it. The journal, which a resume trusts, is written before the command either way; a
// kill -9 in between can leave the log those two lines short of the journal.
import type { Masker } from '../secrets/masker.js';
import type { EventListener, PlayEvent, PlayEventBody } from './types.js';

/** The longest a deferred event waits (a step that runs no command, say). */
export const DEFER_LIMIT_MS = 50;

export class EventBus {
  private readonly listeners: EventListener[] = [];
  private deferred: { body: PlayEventBody; at: Date }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly runId: string,
    private readonly masker: Masker,
    private readonly now: () => Date = () => new Date(),
  ) {}

  subscribe(listener: EventListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  emit(body: PlayEventBody): void {
    this.flush();
    this.deliver(body, this.now());
  }

  /** Stamp the event now, deliver it at the next flush (or emit). */
  defer(body: PlayEventBody): void {
    this.deferred.push({ body, at: this.now() });
    this.timer ??= setTimeout(() => this.flush(), DEFER_LIMIT_MS).unref();
  }

  /** Deliver the deferred events, in order. */
  flush(): void {
    if (this.deferred.length === 0) return;
    const queued = this.deferred;
    this.deferred = [];
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const { body, at } of queued) this.deliver(body, at);
  }

  private deliver(body: PlayEventBody, at: Date): void {
    // Masked on delivery: a secret registered since the event was deferred is masked too.
    const event = this.masker.maskDeep({ ...body, ts: at.toISOString(), runId: this.runId }) as PlayEvent;
    for (const listener of this.listeners) listener(event);
  }
}
