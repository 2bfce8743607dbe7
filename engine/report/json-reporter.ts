// --json: exactly the event objects, one per line on stdout (schemas/events.schema.json), for CI
// pipelines; a compact failure list goes to stderr so a human reading the job log sees it too.
import type { PlayEvent } from '../events/types.js';
import { compactFailureLines } from './summary.js';
import { RunModel } from './run-model.js';
import { flushStream, writeTo, type Reporter } from './reporter.js';

export interface JsonReporterOptions {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  logFile: string;
}

export class JsonReporter implements Reporter {
  private readonly model = new RunModel();

  constructor(private readonly options: JsonReporterOptions) {}

  onEvent(event: PlayEvent): void {
    this.model.apply(event);
    writeTo(this.options.stdout, JSON.stringify(event) + '\n');
    if (event.type === 'run.failed' || event.type === 'run.interrupted') {
      const lines = compactFailureLines(this.model, this.options.logFile);
      if (lines.length) writeTo(this.options.stderr, lines.join('\n') + '\n');
    }
  }

  async close(): Promise<void> {
    await Promise.all([flushStream(this.options.stdout), flushStream(this.options.stderr)]);
  }
}
