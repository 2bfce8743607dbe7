// `podsec-play preflight`'s output: one table, a row per host × check (ok with what it saw,
// FAILED with the reason and, under it, the fix), a closing count; or one JSON document for CI.
// Values arrive masked (the caller runs them through the masker).
import type { HostFacts } from '../facts/types.js';
import type { CheckResult } from '../preflight/types.js';
import { cleanLine } from './ansi.js';
import type { Paint } from './ansi.js';

export interface PreflightReport {
  playbook: string;
  playbookFile: string;
  inventoryFile: string;
  durationMs: number;
  results: CheckResult[];
  facts: Record<string, HostFacts>;
  /** Hosts left out: every step of theirs is finished (the journal says so), but its seal. */
  done: string[];
}

export function formatPreflightTable(r: PreflightReport, paint: Paint): string {
  const lines: string[] = [];
  const hosts = [...new Set(r.results.map((x) => x.host))];
  lines.push(`preflight ${r.playbook} (${r.playbookFile}) on ${hosts.length} host${hosts.length === 1 ? '' : 's'} of ${r.inventoryFile}`);
  if (r.done.length) lines.push(paint.dim(`not checked, nothing left to do there but the seal: ${r.done.join(', ')}`));
  lines.push('');
  const hw = Math.max(4, ...r.results.map((x) => x.host.length));
  const cw = Math.max(5, ...r.results.map((x) => x.check.length));
  lines.push(paint.bold(`${'HOST'.padEnd(hw)}  ${'CHECK'.padEnd(cw)}  RESULT`));
  const indent = ' '.repeat(hw + cw + 4);
  for (const x of r.results) {
    const head = `${x.host.padEnd(hw)}  ${x.check.padEnd(cw)}  `;
    if (x.status === 'ok') {
      lines.push(`${head}${paint.green('ok')}      ${paint.dim(cleanLine(x.detail ?? x.title))}`);
    } else if (x.status === 'skipped') {
      lines.push(`${head}${paint.yellow('skipped')} ${paint.dim(cleanLine(x.detail ?? x.title))}`);
    } else {
      lines.push(`${head}${paint.red('FAILED')}  ${cleanLine(x.reason ?? x.title)}`);
      lines.push(`${indent}        ${paint.yellow('fix:')} ${cleanLine(x.fix ?? '')}`);
    }
  }
  const failed = r.results.filter((x) => x.status === 'failed').length;
  const skippedCount = r.results.filter((x) => x.status === 'skipped').length;
  lines.push('');
  const count = `${r.results.length} check${r.results.length === 1 ? '' : 's'} on ${hosts.length} host${hosts.length === 1 ? '' : 's'}`;
  const took = `${(r.durationMs / 1000).toFixed(1)}s`;
  lines.push(
    failed === 0
      ? paint.green(`✔ ${count}: all passed${skippedCount ? ` but ${skippedCount} skipped` : ''} (${took}). Nothing was changed.`)
      : paint.red(`✖ ${count}: ${failed} failed (${took}). Nothing was changed.`),
  );
  return lines.join('\n') + '\n';
}

export function formatPreflightJson(r: PreflightReport): string {
  const failed = r.results.filter((x) => x.status === 'failed').length;
  return (
    JSON.stringify(
      {
        playbook: r.playbook,
        playbookFile: r.playbookFile,
        inventoryFile: r.inventoryFile,
        ok: failed === 0,
        failed,
        durationMs: r.durationMs,
        done: r.done,
        results: r.results,
        facts: r.facts,
      },
      null,
      2,
    ) + '\n'
  );
}
