// Playbook YAML → validated `Playbook` (durations parsed, defaults applied), or diagnostics.
// Checks that need the step kinds or the inventory live in cross-check.ts.
import { resolve } from 'node:path';
import { PLAYBOOK_SHAPE as playbookSchema } from './playbook-shape.js';
import type { Diagnostic } from '../errors.js';
import type { PhaseSpec, Playbook, RetrySpec, StepSpec } from '../model.js';
import { parseDuration } from '../util/duration.js';
import { looksLike } from './document-kind.js';
import { schemaDiagnostics } from './schema-check.js';
import { YamlSource } from './yaml-source.js';

export interface LoadedPlaybook {
  playbook: Playbook | undefined;
  /** When the schema check failed: what could still be read, so later layers report their
   * problems too (every problem at once, not one layer at a time). */
  partial?: Playbook;
  source: YamlSource;
  diagnostics: Diagnostic[];
}

export const DEFAULT_RETRY: RetrySpec = { attempts: 1, delayMs: 1000, backoff: 2, maxDelayMs: 60_000 };

export function loadPlaybook(file: string): LoadedPlaybook {
  const source = YamlSource.read(file);
  return parsePlaybook(source);
}

export function parsePlaybook(source: YamlSource): LoadedPlaybook {
  const syntax = source.syntaxDiagnostics();
  if (syntax.length) return { playbook: undefined, source, diagnostics: syntax };
  const data = source.toJS();
  if (looksLike(data) === 'inventory') {
    const message = 'this is an inventory (it has hosts: and no phases:), not a playbook: give the playbook first and the inventory with -i';
    return { playbook: undefined, source, diagnostics: [source.diag([], message)] };
  }
  const diagnostics = schemaDiagnostics(source, data, playbookSchema);
  if (diagnostics.length) return { playbook: undefined, partial: readLeniently(source, data), source, diagnostics };
  const raw = data as RawPlaybook;
  const phases = raw.phases.map((p, pi) => normalizePhase(source, p, pi));
  diagnostics.push(...duplicatePhases(source, phases));
  return {
    playbook: {
      file: resolve(source.file),
      name: raw.name,
      ...(raw.description ? { description: raw.description } : {}),
      vars: raw.vars ?? {},
      phases,
    },
    source,
    diagnostics,
  };
}

interface RawStep {
  id: string;
  uses: string;
  name?: string;
  with?: Record<string, unknown>;
  retry?: { attempts?: number; delay?: string | number; backoff?: number; maxDelay?: string | number };
  timeout?: string | number;
  when?: string | boolean;
}
interface RawPhase {
  name: string;
  hosts: string | string[];
  concurrency?: number;
  serial?: boolean;
  skipSealed?: boolean;
  steps: RawStep[];
}
interface RawPlaybook {
  name: string;
  description?: string;
  vars?: Record<string, unknown>;
  phases: RawPhase[];
}

// Best effort over a document that failed its schema: keep the phases and steps whose shape is
// usable (a step needs a string id and uses), give the rest defaults, drop what cannot be read.
function readLeniently(source: YamlSource, data: unknown): Playbook | undefined {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return undefined;
  const raw = data as Record<string, unknown>;
  const obj = (v: unknown): Record<string, unknown> | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
  const phases: PhaseSpec[] = [];
  (Array.isArray(raw.phases) ? raw.phases : []).forEach((p: unknown, pi: number) => {
    const phase = obj(p);
    if (!phase) return;
    const hosts = typeof phase.hosts === 'string' ? [phase.hosts] : Array.isArray(phase.hosts) ? phase.hosts.filter((h): h is string => typeof h === 'string') : [];
    const steps: StepSpec[] = [];
    (Array.isArray(phase.steps) ? phase.steps : []).forEach((s: unknown, si: number) => {
      const step = obj(s);
      if (!step || typeof step.id !== 'string' || typeof step.uses !== 'string') return;
      steps.push({
        id: step.id,
        uses: step.uses,
        with: obj(step.with) ?? {},
        retry: DEFAULT_RETRY,
        timeoutMs: undefined,
        ...(typeof step.when === 'string' ? { when: step.when } : {}),
        at: source.where(['phases', pi, 'steps', si]),
      });
    });
    phases.push({
      name: typeof phase.name === 'string' ? phase.name : `#${pi + 1}`,
      hosts,
      concurrency: undefined,
      serial: false,
      skipSealed: phase.skipSealed === true,
      steps,
      at: source.where(['phases', pi]),
    });
  });
  return { file: resolve(source.file), name: typeof raw.name === 'string' ? raw.name : '', vars: obj(raw.vars) ?? {}, phases };
}

function normalizePhase(source: YamlSource, p: RawPhase, pi: number): PhaseSpec {
  return {
    name: p.name,
    hosts: typeof p.hosts === 'string' ? [p.hosts] : p.hosts,
    concurrency: p.concurrency,
    serial: p.serial ?? false,
    skipSealed: p.skipSealed ?? false,
    steps: p.steps.map((s, si) => normalizeStep(source, s, pi, si)),
    at: source.where(['phases', pi]),
  };
}

function normalizeStep(source: YamlSource, s: RawStep, pi: number, si: number): StepSpec {
  const r = s.retry ?? {};
  const retry: RetrySpec = {
    attempts: r.attempts ?? DEFAULT_RETRY.attempts,
    delayMs: r.delay === undefined ? DEFAULT_RETRY.delayMs : parseDuration(r.delay),
    backoff: r.backoff ?? DEFAULT_RETRY.backoff,
    maxDelayMs: r.maxDelay === undefined ? DEFAULT_RETRY.maxDelayMs : parseDuration(r.maxDelay),
  };
  return {
    id: s.id,
    uses: s.uses,
    ...(s.name ? { name: s.name } : {}),
    with: s.with ?? {},
    retry,
    timeoutMs: s.timeout === undefined ? undefined : parseDuration(s.timeout),
    ...(s.when !== undefined ? { when: typeof s.when === 'boolean' ? String(s.when) : s.when } : {}),
    at: source.where(['phases', pi, 'steps', si]),
  };
}

function duplicatePhases(source: YamlSource, phases: PhaseSpec[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  phases.forEach((p, i) => {
    if (seen.has(p.name)) out.push(source.diag(['phases', i, 'name'], `duplicate phase name "${p.name}"`));
    seen.add(p.name);
  });
  return out;
}
