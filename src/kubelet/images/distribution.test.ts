// The distribution client against an in-memory fake registry: the token dance, Basic auth,
// index resolution, digest verification and resumed blob downloads.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CredentialKeyring } from './auth.ts';
import { RegistryClient, registryBaseUrl } from './distribution.ts';
import type { RegistryRequest, RegistryResponse, RegistryTransport } from './distribution.ts';
import { MediaType, sha256Digest } from './manifest.ts';
import { parseDockerRef } from './reference.ts';
import { ImageStore } from './store.ts';
import { writeTar } from './tar.ts';

interface FakeOptions {
  auth?: 'none' | 'bearer' | 'basic';
  corruptLayer?: boolean;
  /** Break the layer stream after this many bytes on the first attempt. */
  breakAfter?: number;
}

function buildImage() {
  const layerTar = writeTar([{ name: 'hello.txt', data: 'hello world\n'.repeat(1000) }]);
  const layer = gzipSync(layerTar);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: [sha256Digest(layerTar)] },
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: sha256Digest(config), size: config.length },
      layers: [
        { mediaType: MediaType.ociLayerGzip, digest: sha256Digest(layer), size: layer.length },
      ],
    }),
  );
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [
        {
          mediaType: MediaType.ociManifest,
          digest: sha256Digest(Buffer.from('arm')),
          size: 3,
          platform: { os: 'linux', architecture: 'arm64' },
        },
        {
          mediaType: MediaType.ociManifest,
          digest: sha256Digest(manifest),
          size: manifest.length,
          platform: { os: 'linux', architecture: 'amd64' },
        },
      ],
    }),
  );
  return { layer, layerTar, config, manifest, index };
}

function fakeRegistry(opts: FakeOptions = {}) {
  const img = buildImage();
  const blobs = new Map<string, Buffer>([
    [
      sha256Digest(img.layer),
      opts.corruptLayer === true ? Buffer.from(img.layer).fill(1, 10, 20) : img.layer,
    ],
    [sha256Digest(img.config), img.config],
  ]);
  const manifests = new Map<string, [Buffer, string]>([
    ['v1', [img.manifest, MediaType.ociManifest]],
    ['multi', [img.index, MediaType.ociIndex]],
    [sha256Digest(img.manifest), [img.manifest, MediaType.ociManifest]],
  ]);
  const log: { method: string; url: string; auth?: string; range?: string }[] = [];
  let broken = false;
  const respond = (
    status: number,
    headers: Record<string, string>,
    body: Buffer = Buffer.alloc(0),
    chunks?: Buffer[],
  ): RegistryResponse => ({
    status,
    headers,
    body: (async function* () {
      await Promise.resolve();
      for (const c of chunks ?? [body]) {
        if (c === chunks?.[1] && opts.breakAfter !== undefined && !broken) {
          broken = true;
          throw new Error('connection reset');
        }
        yield c;
      }
    })(),
    discard: () => undefined,
  });
  const transport: RegistryTransport = {
    request(req: RegistryRequest): Promise<RegistryResponse> {
      const url = new URL(req.url);
      log.push({
        method: req.method,
        url: url.pathname + url.search,
        auth: req.headers.authorization,
        range: req.headers.range,
      });
      if (url.pathname === '/token') {
        const scope = url.searchParams.get('scope');
        if (scope !== 'repository:probe/busybox:pull') return Promise.resolve(respond(400, {}));
        return Promise.resolve(
          respond(200, {}, Buffer.from(JSON.stringify({ token: 'tok123', expires_in: 300 }))),
        );
      }
      const auth = opts.auth ?? 'none';
      const ok =
        auth === 'none' ||
        (auth === 'bearer' && req.headers.authorization === 'Bearer tok123') ||
        (auth === 'basic' &&
          req.headers.authorization === `Basic ${Buffer.from('u:p').toString('base64')}`);
      if (!ok) {
        return Promise.resolve(
          respond(401, {
            'www-authenticate':
              auth === 'bearer'
                ? 'Bearer realm="http://127.0.0.1:5000/token",service="test"'
                : 'Basic realm="Registry Realm"',
          }),
        );
      }
      const m = /^\/v2\/probe\/busybox\/(manifests|blobs)\/(.+)$/.exec(url.pathname);
      if (m?.[1] === 'manifests') {
        const entry = manifests.get(m[2] ?? '');
        if (!entry) {
          return Promise.resolve(
            respond(
              404,
              {},
              Buffer.from('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}'),
            ),
          );
        }
        return Promise.resolve(
          respond(
            200,
            { 'content-type': entry[1], 'docker-content-digest': sha256Digest(entry[0]) },
            entry[0],
          ),
        );
      }
      if (m?.[1] === 'blobs') {
        const blob = blobs.get(m[2] ?? '');
        if (!blob) return Promise.resolve(respond(404, {}));
        const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
        const from = range ? Number(range[1]) : 0;
        const body = blob.subarray(from);
        const chunks =
          opts.breakAfter !== undefined
            ? [body.subarray(0, opts.breakAfter), body.subarray(opts.breakAfter)]
            : [body];
        return Promise.resolve(respond(range ? 206 : 200, {}, body, chunks));
      }
      return Promise.resolve(respond(404, {}));
    },
  };
  return { transport, log, img };
}

async function withStore(fn: (store: ImageStore) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-dist-'));
  try {
    await fn(new ImageStore(dir));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const REF = '127.0.0.1:5000/probe/busybox';

describe('registryBaseUrl', () => {
  it('uses http only for loopback or insecure registries', () => {
    assert.equal(registryBaseUrl('127.0.0.1:5000'), 'http://127.0.0.1:5000');
    assert.equal(registryBaseUrl('localhost:5000'), 'http://localhost:5000');
    assert.equal(registryBaseUrl('[::1]:5000'), 'http://[::1]:5000');
    assert.equal(registryBaseUrl('registry.local:5000'), 'https://registry.local:5000');
    assert.equal(
      registryBaseUrl('registry.local:5000', ['registry.local:5000']),
      'http://registry.local:5000',
    );
    assert.equal(registryBaseUrl('docker.io'), 'https://registry-1.docker.io');
  });
});

describe('RegistryClient', () => {
  it('pulls anonymously, resolving an index to linux/amd64, and verifies everything', async () => {
    await withStore(async (store) => {
      const reg = fakeRegistry();
      const client = new RegistryClient({ transport: reg.transport, now: () => 0 });
      const rec = await client.pull(`${REF}:multi`, store);
      assert.equal(rec.name, `${REF}:multi`);
      assert.equal(rec.digest, sha256Digest(reg.img.manifest));
      assert.equal(rec.indexDigest, sha256Digest(reg.img.index));
      assert.equal(rec.layers[0]?.diffId, sha256Digest(reg.img.layerTar));
      assert.ok(await store.hasBlob(sha256Digest(reg.img.layer)));
      assert.match(reg.log[0]?.url ?? '', /manifests\/multi$/);
    });
  });

  it('does the bearer token dance once and reuses the token', async () => {
    await withStore(async (store) => {
      const reg = fakeRegistry({ auth: 'bearer' });
      const client = new RegistryClient({ transport: reg.transport, concurrency: 1 });
      await client.pull(`${REF}:v1`, store);
      const tokenCalls = reg.log.filter((l) => l.url.startsWith('/token'));
      assert.equal(tokenCalls.length, 1);
      assert.equal(reg.log.filter((l) => l.auth === undefined).length, 2); // first manifest try + token
      assert.ok(reg.log.slice(2).every((l) => l.auth === 'Bearer tok123'));
    });
  });

  it('uses basic credentials from the keyring, and fails clearly without them', async () => {
    await withStore(async (store) => {
      const keyring = new CredentialKeyring();
      keyring.add('127.0.0.1:5000', { username: 'u', password: 'p' });
      const reg = fakeRegistry({ auth: 'basic' });
      await new RegistryClient({ transport: reg.transport, keyring }).pull(`${REF}:v1`, store);
      await assert.rejects(
        new RegistryClient({ transport: fakeRegistry({ auth: 'basic' }).transport }).pull(
          `${REF}:v1`,
          store,
        ),
        {
          name: 'RegistryError',
          message: /no basic auth credentials/,
        },
      );
    });
  });

  it('reports a missing tag with the registry error', async () => {
    await withStore(async (store) => {
      const client = new RegistryClient({ transport: fakeRegistry().transport });
      await assert.rejects(client.pull(`${REF}:nope`, store), {
        message: `failed to resolve reference "${REF}:nope": not found: manifest unknown: manifest unknown`,
      });
    });
  });

  it('refuses a blob whose digest does not match and keeps nothing', async () => {
    await withStore(async (store) => {
      const reg = fakeRegistry({ corruptLayer: true });
      await assert.rejects(
        new RegistryClient({ transport: reg.transport }).pull(`${REF}:v1`, store),
        {
          name: 'ContentError',
          message: /digest mismatch/,
        },
      );
      assert.equal(await store.hasBlob(sha256Digest(reg.img.layer)), false);
    });
  });

  it('refuses a manifest pinned by a different digest', async () => {
    await withStore(async () => {
      const reg = fakeRegistry();
      const wrong = `sha256:${'0'.repeat(64)}`;
      await assert.rejects(
        new RegistryClient({ transport: reg.transport }).resolve(parseDockerRef(`${REF}@${wrong}`)),
        {
          message: /not found/,
        },
      );
    });
  });

  it('resumes a broken layer download with Range', async () => {
    await withStore(async (store) => {
      const reg = fakeRegistry({ breakAfter: 100 });
      const client = new RegistryClient({ transport: reg.transport, concurrency: 1 });
      const rec = await client.pull(`${REF}:v1`, store);
      assert.ok(await store.hasBlob(rec.layers[0]?.digest ?? ''));
      const ranges = reg.log.filter((l) => l.range !== undefined).map((l) => l.range);
      assert.deepEqual(ranges, ['bytes=100-']);
    });
  });

  it('resumes from a partial file left by an earlier process', async () => {
    await withStore(async (store) => {
      const reg = fakeRegistry();
      const digest = sha256Digest(reg.img.layer);
      await mkdir(join(store.root, 'ingest'), { recursive: true });
      await writeFile(
        join(store.root, 'ingest', `${digest.slice(7)}.partial`),
        reg.img.layer.subarray(0, 50),
      );
      await new RegistryClient({ transport: reg.transport }).pull(`${REF}:v1`, store);
      assert.ok(reg.log.some((l) => l.range === 'bytes=50-'));
      assert.ok(await store.hasBlob(digest));
    });
  });
});
