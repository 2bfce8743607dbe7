// --junit FILE: the run as a test report for CI systems: one <testsuite> per phase, one
// <testcase classname="PHASE.HOST" name="STEP"> per host × step, failures with their output,
// skipped steps with the reason. Written (atomically) when the runner closes the reporters, or to
// a stream (`--junit -`: stdout, when nothing else writes there). A file path is checked when
// the reporter is made, so a bad one fails before the run starts.
import { accessSync, constants, statSync } from 'node:fs';
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PlayError, errorMessage } from '../errors.js';
import type { PlayEvent } from '../events/types.js';
import { cleanText } from './ansi.js';
import { describeAttempt, describeCause, describeError, describeSkip, errorOutputLines } from './describe.js';
import { renderXml, type XmlElement } from './junit-xml.js';
import { RunModel, type PhaseNode, type StepNode } from './run-model.js';
import { flushStream, writeTo, type Reporter } from './reporter.js';

export class JunitReporter implements Reporter {
  private readonly model = new RunModel();

  /** A file name, or a stream (stdout) to write the report to. A file name is checked at once
   * (a directory, or a place that cannot be written, is a usage error before the run starts). */
  constructor(readonly target: string | NodeJS.WritableStream) {
    if (typeof target === 'string') checkWritableFile(target);
  }

  onEvent(event: PlayEvent): void {
    this.model.apply(event);
  }

  /** The report as XML text (what close() writes). */
  render(): string {
    return renderXml(junitDocument(this.model));
  }

  async close(): Promise<void> {
    if (typeof this.target !== 'string') {
      writeTo(this.target, this.render());
      await flushStream(this.target);
      return;
    }
    const file = this.target;
    // A device or a pipe (/dev/null, a FIFO a CI step reads) is written as it is, never replaced.
    if (statKind(file) === 'other') {
      try {
        await writeFile(file, this.render(), 'utf8');
        return;
      } catch (err) {
        throw new PlayError(`cannot write the JUnit report ${file}: ${errorMessage(err)}`, { code: 'E_INPUT', cause: err });
      }
    }
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(tmp, this.render(), 'utf8');
      await rename(tmp, file);
    } catch (err) {
      await unlink(tmp).catch(() => undefined); // never leave the temporary file behind
      throw new PlayError(`cannot write the JUnit report ${file}: ${errorMessage(err)}`, { code: 'E_INPUT', cause: err });
    }
  }
}

/** Throws E_USAGE unless `file` can be written: an existing device or pipe, or a path that is
 * not a directory and whose nearest existing parent is a writable directory. */
export function checkWritableFile(file: string, what = 'the JUnit report'): void {
  const fail = (why: string) => new PlayError(`cannot write ${what} to ${file}: ${why}`, { code: 'E_USAGE' });
  const kind = statKind(file);
  if (kind === 'dir') throw fail('it is a directory (name a file in it, e.g. junit.xml)');
  if (kind === 'other') return; // a device or a pipe: written as it is
  let parent = dirname(file);
  while (statKind(parent) === 'none' && dirname(parent) !== parent) parent = dirname(parent);
  if (statKind(parent) !== 'dir') throw fail(`${parent} is not a directory`);
  try {
    accessSync(parent, constants.W_OK);
  } catch {
    throw fail(`the directory ${parent} is not writable`);
  }
}

function statKind(path: string): 'none' | 'dir' | 'file' | 'other' {
  try {
    const st = statSync(path);
    return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
  } catch {
    return 'none';
  }
}

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

export function junitDocument(model: RunModel): XmlElement {
  const suites = [...(model.preflight ? [preflightSuite(model, model.preflight)] : []), ...model.phases.map((phase) => suiteFor(model, phase))];
  const total: Counts = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  for (const s of suites) for (const k of Object.keys(total) as (keyof Counts)[]) total[k] += Number(s.attrs?.[k] ?? 0);
  return {
    name: 'testsuites',
    attrs: {
      name: model.playbook || 'podsec-play',
      ...total,
      time: seconds(model.durationMs ?? 0),
      timestamp: model.startedAt === undefined ? undefined : new Date(model.startedAt).toISOString(),
    },
    children: suites,
  };
}

function suiteFor(model: RunModel, phase: PhaseNode): XmlElement {
  const cases = phase.hosts.flatMap((h) => h.steps.map(caseFor));
  const counts: Counts = {
    tests: cases.length,
    failures: cases.filter((c) => c.children?.some((x) => x.name === 'failure')).length,
    errors: cases.filter((c) => c.children?.some((x) => x.name === 'error')).length,
    skipped: cases.filter((c) => c.children?.some((x) => x.name === 'skipped')).length,
  };
  const properties: XmlElement = {
    name: 'properties',
    children: [
      { name: 'property', attrs: { name: 'runId', value: model.runId } },
      { name: 'property', attrs: { name: 'planHash', value: model.planHash } },
      { name: 'property', attrs: { name: 'hosts', value: phase.hosts.map((h) => h.name).join(' ') } },
    ],
  };
  const children: XmlElement[] = [properties, ...cases];
  if (phase.status === 'skipped' || phase.status === 'waiting') {
    children.push({ name: 'system-out', text: `phase ${phase.name}: ${describeSkip(phase.skipReason ?? 'not-reached')}` });
  }
  return {
    name: 'testsuite',
    attrs: {
      name: phase.name,
      ...counts,
      time: seconds(phase.durationMs ?? 0),
      timestamp: phase.startedAt === undefined ? undefined : new Date(phase.startedAt).toISOString(),
    },
    children,
  };
}

/** The preflight as one suite: a test case per host × check, a failure with the reason and fix. */
function preflightSuite(model: RunModel, pre: NonNullable<RunModel['preflight']>): XmlElement {
  const cases: XmlElement[] = pre.results.map((r) => ({
    name: 'testcase',
    attrs: { classname: `preflight.${r.host}`, name: r.check, time: '0.000' },
    children:
      r.status === 'failed'
        ? [{ name: 'failure', attrs: { message: r.reason ?? 'failed', type: 'E_PREFLIGHT' }, text: `${r.title}: ${r.reason ?? 'failed'}\nfix: ${r.fix ?? ''}` }]
        : r.status === 'skipped'
          ? [{ name: 'skipped', attrs: { message: r.detail ?? 'skipped' } }]
          : r.detail
          ? [{ name: 'system-out', text: r.detail }]
          : [],
  }));
  const failures = pre.results.filter((r) => r.status === 'failed').length;
  const skipped = pre.results.filter((r) => r.status === 'skipped').length;
  return {
    name: 'testsuite',
    attrs: { name: 'preflight', tests: cases.length, failures, errors: 0, skipped, time: seconds(pre.durationMs) },
    children: [{ name: 'properties', children: [{ name: 'property', attrs: { name: 'runId', value: model.runId } }] }, ...cases],
  };
}

function caseFor(step: StepNode): XmlElement {
  const children: XmlElement[] = [];
  if (step.status === 'skipped') {
    children.push({ name: 'skipped', attrs: { message: describeSkip(step.skipReason ?? 'not-reached', step.skipDetail) } });
  } else if (step.status === 'failed' && step.error) {
    const aborted = step.error.code === 'E_ABORTED';
    // The message is the cause in the program's own words; the command line has its own line.
    const command = step.error.command ? `command: ${cleanText(step.error.command)}` : '';
    const body = [describeCause(step.error), command, describeAttempt(step.attempt, step.attempts), ...errorOutputLines(step.error, 200)];
    children.push({
      name: aborted ? 'error' : 'failure',
      attrs: { message: describeCause(step.error), type: step.error.code },
      text: body.filter(Boolean).join('\n'),
    });
  } else if (step.status !== 'succeeded') {
    children.push({ name: 'error', attrs: { message: 'the step did not finish (the run ended while it was running)', type: 'E_ABORTED' } });
  }
  const out = [
    ...step.retries.map(
      (r) => `attempt ${r.attempt}/${r.attempts} failed: ${describeError(r.error)}; next attempt at ${r.nextAttemptAt}`,
    ),
    ...step.outputTail.map((l) => cleanText(l)),
  ];
  if (out.length) children.push({ name: 'system-out', text: out.join('\n') });
  const time =
    step.endedAt !== undefined && step.firstStartedAt !== undefined ? step.endedAt - step.firstStartedAt : (step.durationMs ?? 0);
  return {
    name: 'testcase',
    attrs: { classname: `${step.phase}.${step.host}`, name: step.step, time: seconds(time) },
    children,
  };
}

function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}
