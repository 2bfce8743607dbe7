// The single choke point every event passes: stamps it, masks secrets, fans it out.
import type { Masker } from '../secrets/masker.js';
import type { EventListener, PlayEvent, PlayEventBody } from './types.js';

export class EventBus {
  private readonly listeners: EventListener[] = [];

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
    const event = this.masker.maskDeep({ ...body, ts: this.now().toISOString(), runId: this.runId }) as PlayEvent;
    for (const listener of this.listeners) listener(event);
  }
}
