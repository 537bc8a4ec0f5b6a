/**
 * Test fixtures that need host tools (umoci, busybox-static): not exported from index.ts.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { copyFile, mkdir, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Builds an OCI layout at `<work>/oci` with `busybox` (one layer: static busybox, applets
 * sh/ls/cat/echo/tar/sleep, /etc/passwd, /etc/motd, /www/index.html, /keep/a; Cmd /bin/sh; linux/amd64)
 * and `busybox-wh` (a second layer whose only change is the whiteout of /etc/motd). Returns
 * the layout path. Uses `<work>/bundle*` as scratch.
 */
export async function buildBusyboxLayout(work: string): Promise<string> {
  const layout = join(work, 'oci');
  await run('umoci', ['init', '--layout', layout]);
  await run('umoci', ['new', '--image', `${layout}:busybox`]);
  const bundle = join(work, 'bundle');
  await run('umoci', ['unpack', '--image', `${layout}:busybox`, bundle]);
  const r = join(bundle, 'rootfs');
  for (const d of ['bin', 'etc', 'tmp', 'www', 'keep'])
    await mkdir(join(r, d), { recursive: true });
  await copyFile('/bin/busybox', join(r, 'bin/busybox'));
  for (const a of ['sh', 'ls', 'cat', 'echo', 'tar', 'sleep']) {
    await symlink('busybox', join(r, 'bin', a));
  }
  await writeFile(join(r, 'etc/motd'), 'hidden by a whiteout\n');
  await writeFile(join(r, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  await writeFile(join(r, 'www/index.html'), '<h1>hello</h1>\n');
  await writeFile(join(r, 'keep/a'), 'a\n');
  await run('umoci', ['repack', '--image', `${layout}:busybox`, bundle]);
  await run('umoci', [
    'config',
    '--image',
    `${layout}:busybox`,
    '--config.cmd',
    '/bin/sh',
    '--architecture',
    'amd64',
    '--os',
    'linux',
  ]);
  const bundle2 = join(work, 'bundle2');
  await run('umoci', ['unpack', '--image', `${layout}:busybox`, bundle2]);
  await unlink(join(bundle2, 'rootfs/etc/motd'));
  await run('umoci', ['repack', '--image', `${layout}:busybox-wh`, bundle2]);
  await run('umoci', ['gc', '--layout', layout]);
  return layout;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      srv.close(() => {
        resolve(port);
      });
    });
  });
}

/** A docker-registry process on a loopback port. */
export interface TestRegistry {
  port: number;
  proc: ChildProcess;
}

/**
 * Starts Debian's docker-registry on a free loopback port with storage and config in `dir`
 * (`extra` is appended to the YAML config, e.g. an `auth:` section); resolves once `/v2/`
 * answers. Stop it with stopRegistry.
 */
export async function startRegistry(dir: string, extra = ''): Promise<TestRegistry> {
  const port = await freePort();
  await mkdir(join(dir, 'data'), { recursive: true });
  const config = join(dir, 'config.yml');
  await writeFile(
    config,
    `version: 0.1\nlog: {level: error}\nstorage:\n  filesystem: {rootdirectory: ${join(dir, 'data')}}\n  delete: {enabled: true}\nhttp:\n  addr: 127.0.0.1:${port}\n  secret: skiff-test\n${extra}`,
  );
  const proc = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  for (let i = 0; i < 100; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/v2/`);
      if (res.status === 200 || res.status === 401) return { port, proc };
    } catch {
      // not yet listening
    }
    if (proc.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  proc.kill('SIGKILL');
  throw new Error(`docker-registry did not start: ${stderr}`);
}

/** Stops a registry by PID (SIGTERM) and waits for it to exit; no-op when already gone. */
export async function stopRegistry(r: TestRegistry | undefined): Promise<void> {
  if (r?.proc.pid === undefined || r.proc.exitCode !== null) return;
  const exited = new Promise((res) => r.proc.once('exit', res));
  process.kill(r.proc.pid, 'SIGTERM');
  await exited;
}
