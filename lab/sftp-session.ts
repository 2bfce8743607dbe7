// The SFTP subsystem of a node, mapped onto its root: enough for atomic uploads (open, write,
// setstat/chmod, rename over an existing file, like posix-rename@openssh.com) and downloads.
import { promises as fsp, constants as C, type Stats } from 'node:fs';
import ssh2 from 'ssh2';
import type { SFTPWrapper, Attributes } from 'ssh2';
import { hostPath, toVirtual, virtualPath } from './rewrite.js';

const { OPEN_MODE, STATUS_CODE } = ssh2.utils.sftp;

type Handle =
  | { kind: 'file'; fh: fsp.FileHandle }
  | { kind: 'dir'; path: string; sent: boolean };

function statusFor(err: unknown): number {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return STATUS_CODE.NO_SUCH_FILE;
    case 'EACCES':
    case 'EPERM':
      return STATUS_CODE.PERMISSION_DENIED;
    default:
      return STATUS_CODE.FAILURE;
  }
}

function attrsOf(st: Stats): Attributes {
  return {
    mode: st.mode,
    uid: 0,
    gid: 0,
    size: st.size,
    atime: Math.floor(st.atimeMs / 1000),
    mtime: Math.floor(st.mtimeMs / 1000),
  };
}

function openFlags(pflags: number): number {
  let flags = 0;
  const read = (pflags & OPEN_MODE.READ) !== 0;
  const write = (pflags & OPEN_MODE.WRITE) !== 0;
  flags |= read && write ? C.O_RDWR : write ? C.O_WRONLY : C.O_RDONLY;
  if (pflags & OPEN_MODE.APPEND) flags |= C.O_APPEND;
  if (pflags & OPEN_MODE.CREAT) flags |= C.O_CREAT;
  if (pflags & OPEN_MODE.TRUNC) flags |= C.O_TRUNC;
  if (pflags & OPEN_MODE.EXCL) flags |= C.O_EXCL;
  return flags;
}

function longname(name: string, st: Stats): string {
  const type = st.isDirectory() ? 'd' : st.isSymbolicLink() ? 'l' : '-';
  const bits = 'rwxrwxrwx'.replace(/./g, (ch, i: number) => (st.mode & (1 << (8 - i)) ? ch : '-'));
  return `${type}${bits} 1 root root ${st.size} ${st.mtime.toISOString().slice(0, 10)} ${name}`;
}

async function applyAttrs(target: string | fsp.FileHandle, attrs: Attributes): Promise<void> {
  // Ownership is not modelled (the lab does not run as root): uid/gid are accepted and ignored.
  if (typeof attrs.mode === 'number') {
    if (typeof target === 'string') await fsp.chmod(target, attrs.mode & 0o7777);
    else await target.chmod(attrs.mode & 0o7777);
  }
  if (typeof attrs.size === 'number') {
    if (typeof target === 'string') await fsp.truncate(target, attrs.size);
    else await target.truncate(attrs.size);
  }
  if (typeof attrs.atime === 'number' && typeof attrs.mtime === 'number') {
    if (typeof target === 'string') await fsp.utimes(target, attrs.atime, attrs.mtime);
    else await target.utimes(attrs.atime, attrs.mtime);
  }
}

export function serveSftp(sftp: SFTPWrapper, root: string): void {
  const handles = new Map<number, Handle>();
  let nextHandle = 1;
  const map = (p: string) => hostPath(root, p);

  const newHandle = (h: Handle): Buffer => {
    const id = nextHandle++;
    handles.set(id, h);
    const buf = Buffer.alloc(4);
    buf.writeUInt32BE(id);
    return buf;
  };
  const lookup = (buf: Buffer): [number, Handle | undefined] => {
    const id = buf.length === 4 ? buf.readUInt32BE(0) : -1;
    return [id, handles.get(id)];
  };
  /** Run an operation; a thrown fs error becomes the matching SFTP status. */
  const guard = (reqid: number, op: () => Promise<void>) => {
    // OpenSSH's wording, never the host path (the node must not see where its root lives)
    op().catch((err: unknown) => {
      const code = statusFor(err);
      sftp.status(reqid, code, code === STATUS_CODE.NO_SUCH_FILE ? 'No such file' : code === STATUS_CODE.PERMISSION_DENIED ? 'Permission denied' : 'Failure');
    });
  };
  const ok = (reqid: number) => sftp.status(reqid, STATUS_CODE.OK);

  sftp.on('OPEN', (reqid, filename, pflags, attrs) =>
    guard(reqid, async () => {
      const mode = typeof attrs.mode === 'number' ? attrs.mode & 0o7777 : 0o644;
      const fh = await fsp.open(map(filename), openFlags(pflags), mode);
      sftp.handle(reqid, newHandle({ kind: 'file', fh }));
    }),
  );
  sftp.on('READ', (reqid, handle, offset, length) =>
    guard(reqid, async () => {
      const [, h] = lookup(handle);
      if (h?.kind !== 'file') return void sftp.status(reqid, STATUS_CODE.FAILURE, 'bad handle');
      const buf = Buffer.alloc(length);
      const { bytesRead } = await h.fh.read(buf, 0, length, offset);
      if (bytesRead === 0) return void sftp.status(reqid, STATUS_CODE.EOF);
      sftp.data(reqid, buf.subarray(0, bytesRead));
    }),
  );
  sftp.on('WRITE', (reqid, handle, offset, data) =>
    guard(reqid, async () => {
      const [, h] = lookup(handle);
      if (h?.kind !== 'file') return void sftp.status(reqid, STATUS_CODE.FAILURE, 'bad handle');
      await h.fh.write(data, 0, data.length, offset);
      ok(reqid);
    }),
  );
  sftp.on('FSTAT', (reqid, handle) =>
    guard(reqid, async () => {
      const [, h] = lookup(handle);
      if (h?.kind !== 'file') return void sftp.status(reqid, STATUS_CODE.FAILURE, 'bad handle');
      sftp.attrs(reqid, attrsOf(await h.fh.stat()));
    }),
  );
  sftp.on('FSETSTAT', (reqid, handle, attrs) =>
    guard(reqid, async () => {
      const [, h] = lookup(handle);
      if (h?.kind !== 'file') return void sftp.status(reqid, STATUS_CODE.FAILURE, 'bad handle');
      await applyAttrs(h.fh, attrs);
      ok(reqid);
    }),
  );
  sftp.on('CLOSE', (reqid, handle) =>
    guard(reqid, async () => {
      const [id, h] = lookup(handle);
      if (!h) return void sftp.status(reqid, STATUS_CODE.FAILURE, 'bad handle');
      handles.delete(id);
      if (h.kind === 'file') await h.fh.close();
      ok(reqid);
    }),
  );
  sftp.on('OPENDIR', (reqid, path) =>
    guard(reqid, async () => {
      const st = await fsp.stat(map(path));
      if (!st.isDirectory()) return void sftp.status(reqid, STATUS_CODE.FAILURE, 'not a directory');
      sftp.handle(reqid, newHandle({ kind: 'dir', path: map(path), sent: false }));
    }),
  );
  sftp.on('READDIR', (reqid, handle) =>
    guard(reqid, async () => {
      const [, h] = lookup(handle);
      if (h?.kind !== 'dir') return void sftp.status(reqid, STATUS_CODE.FAILURE, 'bad handle');
      if (h.sent) return void sftp.status(reqid, STATUS_CODE.EOF);
      h.sent = true;
      const names = await fsp.readdir(h.path);
      const entries = await Promise.all(
        names.map(async (filename) => {
          const st = await fsp.lstat(`${h.path}/${filename}`);
          return { filename, longname: longname(filename, st), attrs: attrsOf(st) };
        }),
      );
      sftp.name(reqid, entries);
    }),
  );
  sftp.on('STAT', (reqid, path) => guard(reqid, async () => sftp.attrs(reqid, attrsOf(await fsp.stat(map(path))))));
  sftp.on('LSTAT', (reqid, path) => guard(reqid, async () => sftp.attrs(reqid, attrsOf(await fsp.lstat(map(path))))));
  sftp.on('SETSTAT', (reqid, path, attrs) =>
    guard(reqid, async () => {
      await applyAttrs(map(path), attrs);
      ok(reqid);
    }),
  );
  sftp.on('REMOVE', (reqid, path) =>
    guard(reqid, async () => {
      await fsp.unlink(map(path));
      ok(reqid);
    }),
  );
  sftp.on('RMDIR', (reqid, path) =>
    guard(reqid, async () => {
      await fsp.rmdir(map(path));
      ok(reqid);
    }),
  );
  sftp.on('MKDIR', (reqid, path, attrs) =>
    guard(reqid, async () => {
      await fsp.mkdir(map(path), { mode: typeof attrs.mode === 'number' ? attrs.mode & 0o7777 : 0o755 });
      ok(reqid);
    }),
  );
  sftp.on('RENAME', (reqid, oldPath, newPath) =>
    guard(reqid, async () => {
      await fsp.rename(map(oldPath), map(newPath));
      ok(reqid);
    }),
  );
  sftp.on('REALPATH', (reqid, path) =>
    guard(reqid, async () => {
      const v = virtualPath(path);
      sftp.name(reqid, [{ filename: v, longname: v, attrs: {} as Attributes }]);
    }),
  );
  sftp.on('READLINK', (reqid, path) =>
    guard(reqid, async () => {
      const target = toVirtual(root, await fsp.readlink(map(path)));
      sftp.name(reqid, [{ filename: target, longname: target, attrs: {} as Attributes }]);
    }),
  );
  sftp.on('close', () => {
    for (const h of handles.values()) if (h.kind === 'file') void h.fh.close().catch(() => undefined);
    handles.clear();
  });
}
