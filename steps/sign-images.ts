// `sign-images`: `podsec-load-sign-oci <archive> <arch> <signer-email> [registry/path]` as the
// image maker (a podman_dev member, not root) with the cluster's U7S_PLATFORM (the same one the
// kubeadm wrapper pulls with), answering gpg-agent's pinentry dialog for the passphrase. Its
// `Continue (y/N)?` platform question is answered only with acceptPlatformMismatch (and a k8s-…
// archive is refused before it runs). The script exits 0 even when pushes fail, so afterwards
// every image of the archive must be in registry.local with its signature, or the step fails
// naming the ones that are not. A marker named after the archive's checksum and the arguments
// records success. The passphrase is typed into the dialog rather than preset: gpg-agent's
// documented non-interactive route (gpg-preset-passphrase) works only with allow-preset-passphrase
// in the image maker's gpg-agent.conf and an agent restarted to read it — a lasting change podsec
// does not make, which would leave the key usable without its passphrase for as long as the
// agent caches it; the dialog leaves the registry host as podsec set it up.
import { createHash } from 'node:crypto';
import { quote } from '../engine/util/shell.js';
import { stepError } from './lib/fail.js';
import { DEFAULT_IMAGEMAKER, defaultSignerEmail, signingAnswers, USER_PATTERN } from './lib/imagemaker.js';
import { clusterPlatform } from './lib/platform.js';
import { exists, hostRemote, selfQuiet } from './lib/remote.js';
import { clockInStep, diskFree, GiB, packageInstalled } from './lib/preflight-host.js';
import { archivePlatform, archiveRefs, checkScript, parseCheck, pushedRefs } from './lib/signed-images.js';
import { MARKER_DIR } from './lib/u7s.js';
import { defineStep, type StepContext } from '../engine/step-kind.js';

export interface SignImagesWith {
  /** The OCI archive on the master (podsec-k8s-save-oci's .tar.xz); default: the inventory's
   * cluster.imageArchive, else DEFAULT_ARCHIVE. */
  archive?: string;
  /** amd64, arm64, arm, ppc64le or 386 (default: host vars.arch, else amd64). */
  arch?: string;
  user?: string;
  signerEmail?: string;
  /** `registry/path` (default: the program's, registry.local/<platform>). */
  registryPath?: string;
  /** GPG passphrase: `${{ secrets.GPG_PASSPHRASE }}`. */
  passphrase: string;
  /** Answer `y` to "Continue (y/N)?" when the archive's platform differs from the node's. */
  acceptPlatformMismatch?: boolean;
}

export const DEFAULT_ARCHIVE = '/var/lib/podsec-play/images/podsec-k8s-images.tar.xz';
const ARCHES = ['amd64', 'arm64', 'arm', 'ppc64le', '386'];

export const signImagesStep = defineStep<SignImagesWith>({
  kind: 'sign-images',
  description: 'Push and sign the images of an OCI archive as the image maker (podsec-load-sign-oci).',
  schema: {
    type: 'object',
    required: ['passphrase'],
    additionalProperties: false,
    properties: {
      archive: { type: 'string', pattern: '^/[^\\n]*$' },
      arch: { type: 'string', enum: ARCHES },
      user: { type: 'string', pattern: USER_PATTERN },
      signerEmail: { type: 'string', pattern: '^[^@\\s]+@[^@\\s]+$' },
      registryPath: { type: 'string', pattern: '^[A-Za-z0-9.-]+(:[0-9]+)?/[A-Za-z0-9._/-]+$' },
      passphrase: { type: 'string', minLength: 1 },
      acceptPlatformMismatch: { type: 'boolean' },
    },
  },
  outputs: () => [{ name: 'marker', secret: false }],
  title: (w) => `podsec-load-sign-oci ${w.archive ?? '(cluster archive)'}`,
  preflight: [
    packageInstalled('podsec', 'podsec-load-sign-oci'),
    {
      id: 'image-archive',
      title: (w) => `the image archive ${w.archive ?? DEFAULT_ARCHIVE} is on the host`,
      async evaluate(ctx, w) {
        const archive = resolve(ctx, w).archive;
        const r = await ctx.probe(`test -f ${quote(archive)}`);
        if (r.exitCode === 0) return { ok: true, detail: archive };
        return {
          ok: false,
          reason: `no image archive at ${archive}`,
          fix: `make one with podsec-k8s-save-oci and copy it to ${archive} on ${ctx.host.name} (or set vars.imageArchive)`,
        };
      },
    },
    diskFree(10 * GiB, 'the registry keeps every image of the archive under /var/lib'),
    clockInStep(),
  ],
  async check(ctx, w) {
    const marker = await markerPath(ctx, w);
    return (await exists(selfQuiet(ctx), marker)) ? { done: true, reason: `${marker} exists`, outputs: { marker } } : { done: false };
  },
  async run(ctx, w) {
    ctx.secret(w.passphrase);
    const a = resolve(ctx, w);
    const platform = await clusterPlatform(ctx);
    const quiet = selfQuiet(ctx);
    const archive = await archiveRefs(quiet, a.archive, a.arch);
    if ('error' in archive) throw stepError(ctx, archive.error);
    const filed = archivePlatform(archive.refs);
    if (filed.startsWith('k8s-')) {
      throw stepError(ctx, `${a.archive} files its images under ${filed}/: podsec-load-sign-oci refuses k8s-… platforms since 2025-08-31; make the archive with podsec-k8s-save-oci of a current podsec (images under ${platform}/)`);
    }
    if (filed !== platform && w.acceptPlatformMismatch !== true) {
      throw stepError(ctx, `${a.archive} holds images for platform ${filed}, the cluster's is ${platform} (cluster.platform or the master's /etc/os-release); set acceptPlatformMismatch to push them under registry.local/${platform} anyway`);
    }
    const argv = [a.archive, a.arch, a.signerEmail, ...(w.registryPath === undefined ? [] : [w.registryPath])];
    await hostRemote(ctx).run(`podsec-load-sign-oci ${argv.map(quote).join(' ')}`, {
      what: 'podsec-load-sign-oci',
      runAs: a.user,
      pty: true,
      env: { U7S_PLATFORM: platform },
      answers: signingAnswers(w.passphrase, w.acceptPlatformMismatch === true),
    });
    const expected = pushedRefs(archive.refs, { platform, ...(w.registryPath === undefined ? {} : { registryPath: w.registryPath }) });
    const check = await quiet.run(checkScript(expected), { what: 'checking the registry and the signatures' });
    const verdict = parseCheck(check.stdout, expected);
    if (verdict.missing.length > 0 || verdict.unsigned.length > 0) {
      const parts = [...verdict.missing.map((r) => `${r} (not in registry.local)`), ...verdict.unsigned.map((r) => `${r} (no signature in /var/sigstore/sigstore)`)];
      throw stepError(
        ctx,
        `podsec-load-sign-oci exited 0, but ${parts.length} of ${expected.length} images of ${a.archive} are not in registry.local with a signature: ${parts.join(', ')}`,
        true,
      );
    }
    ctx.log(`all ${expected.length} images of ${a.archive} are in registry.local/${platform} with their signatures`);
    const marker = await markerPath(ctx, w);
    await hostRemote(ctx).run(`mkdir -p ${MARKER_DIR} && date -u +%Y-%m-%dT%H:%M:%SZ > ${quote(marker)}`, {
      what: 'writing the signed marker',
    });
    return { marker };
  },
});

interface Resolved {
  archive: string;
  arch: string;
  user: string;
  signerEmail: string;
}

function resolve(ctx: Pick<StepContext, 'cluster' | 'host'>, w: SignImagesWith): Resolved {
  const user = w.user ?? DEFAULT_IMAGEMAKER;
  const clusterArchive = ctx.cluster['imageArchive'];
  const hostArch = ctx.host.vars['arch'];
  return {
    archive: w.archive ?? (typeof clusterArchive === 'string' && clusterArchive.length > 0 ? clusterArchive : DEFAULT_ARCHIVE),
    arch: w.arch ?? (typeof hostArch === 'string' && ARCHES.includes(hostArch) ? hostArch : 'amd64'),
    user,
    signerEmail: w.signerEmail ?? defaultSignerEmail(user, ctx.cluster),
  };
}

/**
 * /var/lib/podsec-play/signed-<sha256 of (archive checksum, arguments)>: the same archive signed
 * the same way is done; a new archive or signer signs again. A missing archive hashes as
 * "absent", so the program itself reports it.
 */
async function markerPath(ctx: StepContext, w: SignImagesWith): Promise<string> {
  const a = resolve(ctx, w);
  const r = await selfQuiet(ctx).exec(`sha256sum < ${quote(a.archive)}`);
  const sum = r.exitCode === 0 ? (r.stdout.trim().split(/\s+/)[0] ?? 'absent') : 'absent';
  const key = createHash('sha256')
    .update([sum, a.archive, a.arch, a.signerEmail, w.registryPath ?? '', ctx.cluster.platform ?? ''].join('\n'))
    .digest('hex');
  return `${MARKER_DIR}/signed-${key.slice(0, 32)}`;
}
