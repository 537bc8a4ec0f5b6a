// `skiff image import|ls|rm` over a data dir, with archives made by skopeo from a busybox image
// built with umoci (needs root, umoci, skopeo, busybox-static; skips otherwise). The verbs run
// in process through their run* functions, with captured output.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildBusyboxLayout, startRegistry, stopRegistry } from '../kubelet/images/fixtures.ts';
import type { TestRegistry } from '../kubelet/images/fixtures.ts';
import { humanSize, runImageImport, runImageList, runImagePull, runImageRemove } from './image.ts';

const run = promisify(execFile);
const missing = ['umoci', 'skopeo', 'busybox', 'docker-registry'].filter(
  (t) => !existsSync(`/usr/bin/${t}`) && !existsSync(`/bin/${t}`),
);
const skip =
  process.getuid?.() !== 0
    ? 'needs root'
    : missing.length > 0
      ? `missing ${missing.join(', ')}`
      : false;

describe('humanSize (go-units HumanSizeWithPrecision 4)', () => {
  it('prints as crictl', () => {
    assert.equal(humanSize(0), '0B');
    assert.equal(humanSize(999), '999B');
    assert.equal(humanSize(1_088_106), '1.088MB');
    assert.equal(humanSize(52_428_800), '52.43MB');
  });
});

describe('skiff image', { skip }, () => {
  let work = '';
  let layout = '';
  let registry: TestRegistry | undefined;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'skiff-image-cli-'));
    layout = await buildBusyboxLayout(work);
  });
  after(async () => {
    await stopRegistry(registry);
    if (work !== '') await rm(work, { recursive: true, force: true });
  });

  it('imports docker-archive and oci-archive files, lists and removes', async () => {
    const dock = join(work, 'docker.tar');
    const oci = join(work, 'oci.tar');
    const bare = join(work, 'bare.tar');
    await run('skopeo', [
      'copy',
      '--quiet',
      `oci:${layout}:busybox`,
      `docker-archive:${dock}:example.com/team/busybox:v1`,
    ]);
    await run('skopeo', [
      'copy',
      '--quiet',
      `oci:${layout}:busybox-wh`,
      `oci-archive:${oci}:example.com/team/busybox:wh`,
    ]);
    await run('skopeo', ['copy', '--quiet', `oci:${layout}:busybox`, `oci-archive:${bare}`]);
    const dataDir = join(work, 'data');
    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(`ERR ${l}`) };
    assert.equal(await runImageImport(dock, { dataDir }, io), 0);
    assert.equal(await runImageImport(oci, { dataDir }, io), 0);
    assert.equal(await runImageImport(bare, { dataDir }, io), 1);
    assert.equal(await runImageImport(bare, { dataDir, name: 'busybox' }, io), 0);
    assert.equal(await runImageImport(join(work, 'nope.tar'), { dataDir }, io), 1);
    assert.deepEqual(out.slice(0, 2), [
      'Loaded image: example.com/team/busybox:v1',
      'Loaded image: example.com/team/busybox:wh',
    ]);
    assert.equal(
      out[2],
      `ERR error: importing ${bare}: archive names no image; give a name (--name)`,
    );
    assert.equal(out[3], 'Loaded image: docker.io/library/busybox:latest');
    assert.match(out[4] ?? '', /^ERR error: importing .*nope\.tar: ENOENT/);

    out.length = 0;
    assert.equal(await runImageList({ dataDir }, io), 0);
    assert.equal(out.length, 4);
    assert.match(out[0] ?? '', /^IMAGE\s+TAG\s+IMAGE ID\s+SIZE$/);
    assert.match(out[1] ?? '', /^docker\.io\/library\/busybox\s+latest\s+[0-9a-f]{13}\s+[\d.]+MB$/);
    assert.match(out.at(2) ?? '', /^example\.com\/team\/busybox\s+v1\s+[0-9a-f]{13}\s+[\d.]+MB$/);

    out.length = 0;
    assert.equal(
      await runImageRemove(['example.com/team/busybox:v1', 'busybox', 'nope:1'], { dataDir }, io),
      1,
    );
    assert.deepEqual(out, [
      'Deleted: example.com/team/busybox:v1',
      'Deleted: docker.io/library/busybox:latest',
      'ERR error: no such image "nope:1"',
    ]);
    out.length = 0;
    assert.equal(await runImageList({ dataDir, quiet: true }, io), 0);
    assert.equal(out.length, 1);
    assert.match(out[0] ?? '', /^sha256:[0-9a-f]{64}$/);
  });

  it('pulls from a loopback registry with credentials from a docker config file', async () => {
    registry = await startRegistry(join(work, 'registry'));
    const ref = `127.0.0.1:${registry.port}/probe/busybox:v1`;
    await run('skopeo', [
      'copy',
      '--quiet',
      '--dest-tls-verify=false',
      `oci:${layout}:busybox`,
      `docker://${ref}`,
    ]);
    const dataDir = join(work, 'pull-data');
    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(`ERR ${l}`) };
    const config = join(work, 'config.json');
    // The registry has no auth: the credential is simply unused, but the file must parse.
    await writeFile(
      config,
      JSON.stringify({
        auths: { [`127.0.0.1:${registry.port}`]: { auth: Buffer.from('a:b').toString('base64') } },
      }),
    );
    assert.equal(await runImagePull(ref, { dataDir, dockerConfig: config }, io), 0);
    assert.match(out[0] ?? '', /^Image is up to date for sha256:[0-9a-f]{64}$/);
    assert.equal(
      await runImagePull(`127.0.0.1:${registry.port}/probe/busybox:nope`, { dataDir }, io),
      1,
    );
    assert.match(
      out[1] ?? '',
      /^ERR error: pulling image ".*:nope": failed to resolve reference ".*:nope": not found: manifest unknown/,
    );
    out.length = 0;
    assert.equal(await runImageList({ dataDir, digests: true }, io), 0);
    assert.match(
      out[1] ?? '',
      /^127\.0\.0\.1:\d+\/probe\/busybox\s+v1\s+[0-9a-f]{13}\s+[0-9a-f]{13}\s+[\d.]+MB$/,
    );
  });
});
