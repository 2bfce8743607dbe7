// Crash-safe file replacement: write a temporary file beside the target (mode 0600), fsync
// it, rename it over the target, fsync the directory. A reader sees the old file or the new
// one, never a torn mix, whatever instant the process dies at.
import { closeSync, fsyncSync, openSync, renameSync, writeSync, unlinkSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';

export function writeFileAtomic(file: string, data: string | Buffer, options: { mode?: number; fsync?: boolean } = {}): void {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w', options.mode ?? 0o600);
  try {
    if (typeof data === 'string') writeSync(fd, data);
    else writeSync(fd, data);
    if (options.fsync !== false) fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(tmp);
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, file);
  if (options.fsync !== false) {
    const dfd = openSync(dirname(file), 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  }
}
