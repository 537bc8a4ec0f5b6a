import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatResolvConf } from './dns.ts';
import { hostnameFileContent, managedHostsFileContent } from './hosts.ts';
import { removeSandboxFiles, writeSandboxFiles } from './sandbox-files.ts';

describe('writeSandboxFiles', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-sbfiles-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes hosts, resolv.conf and hostname (0644), rewriting atomically', async () => {
    const target = join(dir, 'sb1');
    const files = {
      hosts: managedHostsFileContent(['10.244.1.5'], 'web', ''),
      resolvConf: formatResolvConf({
        nameservers: ['10.96.0.10'],
        searches: ['default.svc.cluster.local'],
        options: ['ndots:5'],
      }),
      hostname: hostnameFileContent('web'),
    };
    const paths = await writeSandboxFiles(target, files);
    assert.equal(await readFile(paths.hosts, 'utf8'), files.hosts);
    assert.equal(
      await readFile(paths.resolvConf, 'utf8'),
      'search default.svc.cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n',
    );
    assert.equal(await readFile(paths.hostname, 'utf8'), 'web\n');
    assert.equal((await stat(paths.hosts)).mode & 0o777, 0o644);
    await writeSandboxFiles(target, { ...files, hostname: 'web2\n' });
    assert.equal(await readFile(paths.hostname, 'utf8'), 'web2\n');
    assert.deepEqual((await readdir(target)).sort(), ['hostname', 'hosts', 'resolv.conf']);
    await removeSandboxFiles(target);
    await removeSandboxFiles(target);
    await assert.rejects(stat(target));
  });

  it('copies the host resolv.conf when the pod configuration is empty (containerd)', async () => {
    const host = join(dir, 'host-resolv.conf');
    await writeFile(host, 'nameserver 192.0.2.53\n');
    const paths = await writeSandboxFiles(
      join(dir, 'sb2'),
      { hosts: '', resolvConf: '', hostname: 'x\n' },
      { hostResolvConf: host },
    );
    assert.equal(await readFile(paths.resolvConf, 'utf8'), 'nameserver 192.0.2.53\n');
  });
});
