/**
 * hostPath `type` checks (pkg/volume/hostpath checkTypeInternal) with upstream's messages.
 * The decision is pure over a {@link FileTypeChecker}; {@link hostFileTypeChecker} looks at
 * the real filesystem (following symlinks, as os.Stat does).
 */
import { mkdir, open, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { validatePathNoBacksteps } from './plan.ts';

/** What the check needs to know about, and do to, a path. */
export interface FileTypeChecker {
  path: string;
  exists(): Promise<boolean>;
  isDir(): Promise<boolean>;
  isFile(): Promise<boolean>;
  isSocket(): Promise<boolean>;
  isChar(): Promise<boolean>;
  isBlock(): Promise<boolean>;
  /** mkdir -p with 0755. */
  makeDir(): Promise<void>;
  /** Creates an empty 0644 file; the parent must exist. */
  makeFile(): Promise<void>;
}

/**
 * Checks (and for the *OrCreate types creates) a hostPath (checkTypeInternal):
 * `hostPath type check failed: P is not a directory|file|socket file|character device|block
 * device`, or `T is an invalid volume type`. An unset type (`''`) checks nothing; `type` is a
 * HostPathType or anything else the API sent.
 */
export async function checkHostPathType(ftc: FileTypeChecker, type: string): Promise<void> {
  const fail = (what: string): never => {
    throw new Error(`hostPath type check failed: ${ftc.path} is not a ${what}`);
  };
  switch (type) {
    case '':
      return;
    case 'DirectoryOrCreate':
    case 'Directory':
      if (type === 'DirectoryOrCreate' && !(await ftc.exists())) {
        await ftc.makeDir();
        return;
      }
      if (!(await ftc.isDir())) fail('directory');
      return;
    case 'FileOrCreate':
    case 'File':
      if (type === 'FileOrCreate' && !(await ftc.exists())) {
        await ftc.makeFile();
        return;
      }
      if (!(await ftc.isFile())) fail('file');
      return;
    case 'Socket':
      if (!(await ftc.isSocket())) fail('socket file');
      return;
    case 'CharDevice':
      if (!(await ftc.isChar())) fail('character device');
      return;
    case 'BlockDevice':
      if (!(await ftc.isBlock())) fail('block device');
      return;
    default:
      throw new Error(`${type} is an invalid volume type`);
  }
}

/** A checker over the real filesystem. */
export function hostFileTypeChecker(path: string): FileTypeChecker {
  const st = async (): Promise<Stats | undefined> => stat(path).catch(() => undefined);
  return {
    path,
    exists: async () => (await st()) !== undefined,
    isDir: async () => (await st())?.isDirectory() === true,
    isFile: async () => (await st())?.isFile() === true,
    isSocket: async () => (await st())?.isSocket() === true,
    isChar: async () => (await st())?.isCharacterDevice() === true,
    isBlock: async () => (await st())?.isBlockDevice() === true,
    makeDir: async () => {
      await mkdir(path, { recursive: true, mode: 0o755 });
    },
    makeFile: async () => {
      const fh = await open(path, 'a', 0o644);
      await fh.close();
    },
  };
}

/**
 * Sets up a hostPath volume (hostPathMounter.SetUp): rejects `..` elements
 * (`invalid HostPath \`P\`: must not contain '..'`), then checks the type.
 */
export async function setUpHostPath(
  path: string,
  type: string,
  checker: FileTypeChecker = hostFileTypeChecker(path),
): Promise<void> {
  try {
    validatePathNoBacksteps(path);
  } catch (err) {
    throw new Error(`invalid HostPath \`${path}\`: ${(err as Error).message}`);
  }
  await checkHostPathType(checker, type);
}
