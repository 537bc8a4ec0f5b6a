/**
 * The host side of unpacking: overlay whiteouts, opaque directories, device nodes and xattrs.
 * Node has no mknod(2) or setxattr(2) without native addons, so this runs coreutils `mknod` and
 * `setfattr` (Debian's `attr` package), once per whiteout or opaque directory, which are rare
 * in real layers. All of it needs root (CAP_MKNOD, CAP_SYS_ADMIN for `trusted.*`).
 */
import type { LayerHost } from './unpack.ts';
import { OVERLAY_OPAQUE_XATTR } from './unpack.ts';
import { execFileText as run } from '../spawner/index.ts';

/** Options of the real host adapter. */
export interface HostLayerOptions {
  /** Apply owners from the archive; default: when running as root. */
  chown?: boolean;
}

/** The LayerHost of this machine (see the module comment). */
export function hostLayerHost(options: HostLayerOptions = {}): LayerHost {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  return {
    chown: options.chown ?? root,
    async makeWhiteout(path) {
      await run('mknod', ['-m', '0000', path, 'c', '0', '0']);
    },
    async setOpaque(dir) {
      await run('setfattr', ['-n', OVERLAY_OPAQUE_XATTR, '-v', 'y', dir]);
    },
    async makeNode(path, type, major, minor, mode) {
      if (!root) return; // unprivileged: device nodes cannot be made; skip them as rootless tools do
      const args = ['-m', (mode & 0o7777).toString(8), path];
      if (type === 'fifo') args.push('p');
      else args.push(type === 'char' ? 'c' : 'b', String(major), String(minor));
      await run('mknod', args);
    },
    async setXattr(path, name, value) {
      try {
        await run('setfattr', ['-h', '-n', name, '-v', `0x${value.toString('hex')}`, path]);
      } catch {
        // Unsupported attribute on this filesystem: images work without it (as containerd's
        // unpacker, which only warns).
      }
    },
  };
}

/** Reads one xattr of a path (`getfattr`); undefined when unset. For checks and tests. */
export async function getXattr(path: string, name: string): Promise<string | undefined> {
  try {
    const { stdout } = await run('getfattr', ['--only-values', '-n', name, path]);
    return stdout;
  } catch {
    return undefined;
  }
}
