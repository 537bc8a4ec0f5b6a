/**
 * Writes a sandbox's /etc files (hosts, resolv.conf, hostname) into a directory the containers
 * bind-mount them from, as containerd keeps them per sandbox. Files are replaced atomically
 * (write, then rename) so a container starting meanwhile never sees a half-written file.
 */
import { copyFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The host's resolver configuration, copied when a sandbox's resolv.conf would be empty. */
export const HOST_RESOLV_CONF = '/etc/resolv.conf';

/** What to write (see hosts.ts and dns.ts for the builders). */
export interface SandboxFiles {
  /** /etc/hosts text (managedHostsFileContent or nodeHostsFileContent). */
  hosts: string;
  /** resolv.conf text (formatResolvConf); '' copies `hostResolvConf`, as containerd does. */
  resolvConf: string;
  /** /etc/hostname text (hostnameFileContent). */
  hostname: string;
}

/** Paths of the written files. */
export interface SandboxFilePaths {
  hosts: string;
  resolvConf: string;
  hostname: string;
}

async function writeAtomic(path: string, content: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, content, { mode: 0o644 });
  await rename(tmp, path);
}

/**
 * Writes `hosts`, `resolv.conf` and `hostname` into `dir` (created if needed), mode 0644.
 * Rewriting is safe (the kubelet rewrites hosts when the pod IP is known).
 */
export async function writeSandboxFiles(
  dir: string,
  files: SandboxFiles,
  options: { hostResolvConf?: string } = {},
): Promise<SandboxFilePaths> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const paths: SandboxFilePaths = {
    hosts: join(dir, 'hosts'),
    resolvConf: join(dir, 'resolv.conf'),
    hostname: join(dir, 'hostname'),
  };
  await writeAtomic(paths.hosts, files.hosts);
  if (files.resolvConf === '') {
    const tmp = `${paths.resolvConf}.tmp-${process.pid}`;
    await copyFile(options.hostResolvConf ?? HOST_RESOLV_CONF, tmp);
    await rename(tmp, paths.resolvConf);
  } else {
    await writeAtomic(paths.resolvConf, files.resolvConf);
  }
  await writeAtomic(paths.hostname, files.hostname);
  return paths;
}

/** Removes the files and `dir`; idempotent. */
export async function removeSandboxFiles(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
