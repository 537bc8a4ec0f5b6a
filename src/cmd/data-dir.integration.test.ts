/**
 * The data dir, the PKI files in it and the admin kubeconfig, on a real temporary directory
 * (and the real kubectl for the kubeconfig).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, readdir, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { homedir, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import {
  DataDirError,
  KUBERNETES_SERVICE_IP,
  ensurePki,
  pkiPath,
  prepareDataDir,
  resolveDataDir,
  servingSans,
  writeFileAtomic,
} from './data-dir.ts';
import {
  kubeconfigPath,
  renderKubeconfig,
  serverUrlFor,
  writeAdminKubeconfig,
} from './kubeconfig.ts';

const run = promisify(execFile);
const mode = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;

let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'skiff-datadir-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('resolveDataDir', () => {
  const cases: { name: string; flag?: string; env: Record<string, string>; want: () => string }[] =
    [
      {
        name: 'flag wins',
        flag: '/srv/a',
        env: { SKIFF_DATA_DIR: '/srv/b' },
        want: () => '/srv/a',
      },
      { name: 'env next', env: { SKIFF_DATA_DIR: '/srv/b' }, want: () => '/srv/b' },
      { name: 'home last', env: {}, want: () => join(homedir(), '.skiff') },
      {
        name: 'empty flag and env are unset',
        flag: '',
        env: { SKIFF_DATA_DIR: '' },
        want: () => join(homedir(), '.skiff'),
      },
      {
        name: 'relative made absolute',
        flag: 'data',
        env: {},
        want: () => join(process.cwd(), 'data'),
      },
    ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(resolveDataDir(c.flag, c.env), c.want());
    });
  }
});

describe('prepareDataDir and writeFileAtomic', () => {
  it('creates missing directories with mode 0700', async () => {
    const dir = join(root, 'a', 'b', 'data');
    await prepareDataDir(dir);
    assert.equal(await mode(dir), 0o700);
    assert.equal(await mode(join(root, 'a')), 0o700);
    await prepareDataDir(dir); // idempotent
  });

  it('leaves the mode of an existing directory alone', async () => {
    const dir = join(root, 'existing');
    await prepareDataDir(dir);
    await chmod(dir, 0o750);
    await prepareDataDir(dir);
    assert.equal(await mode(dir), 0o750);
  });

  it('refuses a path that is a file', async () => {
    const file = join(root, 'a-file');
    await writeFile(file, 'x');
    await assert.rejects(prepareDataDir(file), DataDirError);
    await assert.rejects(prepareDataDir(join(file, 'sub')), DataDirError);
  });

  it('writes atomically with the exact mode and leaves no temporary file', async () => {
    const dir = join(root, 'atomic');
    await prepareDataDir(dir);
    const path = join(dir, 'secret');
    const umask = process.umask(0o077);
    try {
      await writeFileAtomic(path, 'one', 0o644);
    } finally {
      process.umask(umask);
    }
    assert.equal(await mode(path), 0o644);
    await writeFileAtomic(path, 'two', 0o600);
    assert.equal(await readFile(path, 'utf8'), 'two');
    assert.equal(await mode(path), 0o600);
    assert.deepEqual(await readdir(dir), ['secret']);
  });
});

describe('servingSans', () => {
  it('lists loopback, the service names and IP, the host name and addresses', () => {
    const sans = servingSans({
      hostnames: ['Skiff.Example.com'],
      ips: ['192.0.2.77', 'FD00:0:0::9'],
    });
    for (const n of [
      'localhost',
      'kubernetes',
      'kubernetes.default',
      'kubernetes.default.svc',
      'kubernetes.default.svc.cluster.local',
      'skiff.example.com',
    ]) {
      assert.ok(sans.dnsNames.includes(n), n);
    }
    if (/^[a-z0-9.-]+$/i.test(hostname()))
      assert.ok(sans.dnsNames.includes(hostname().toLowerCase()));
    for (const ip of ['127.0.0.1', '::1', KUBERNETES_SERVICE_IP, '192.0.2.77', 'fd00::9']) {
      assert.ok(sans.ipAddresses.includes(ip), ip);
    }
    assert.equal(
      sans.ipAddresses.some((ip) => ip.startsWith('fe80')),
      false,
    );
    assert.equal(new Set(sans.ipAddresses).size, sans.ipAddresses.length);
  });

  it('rejects an extra address that is not an IP', () => {
    assert.throws(() => servingSans({ ips: ['example.com'] }), DataDirError);
  });
});

describe('ensurePki', () => {
  let dir = '';
  before(async () => {
    dir = join(root, 'pki-dir');
    await prepareDataDir(dir);
  });

  it('creates the CA, serving and admin certificates on first start', async () => {
    const pki = await ensurePki(dir);
    assert.deepEqual(pki.generated, ['ca', 'serving', 'admin']);
    assert.equal(await mode(join(dir, 'pki')), 0o700);
    for (const f of ['caKey', 'servingKey', 'adminKey'] as const)
      assert.equal(await mode(pkiPath(dir, f)), 0o600, f);
    for (const f of ['caCert', 'servingCert', 'adminCert'] as const)
      assert.equal(await mode(pkiPath(dir, f)), 0o644, f);

    const ca = new X509Certificate(await readFile(pkiPath(dir, 'caCert'), 'utf8'));
    assert.equal(ca.ca, true);
    const serving = new X509Certificate(await readFile(pkiPath(dir, 'servingCert'), 'utf8'));
    assert.equal(serving.verify(ca.publicKey), true);
    assert.equal(
      serving.checkHost('kubernetes.default.svc.cluster.local'),
      'kubernetes.default.svc.cluster.local',
    );
    assert.equal(serving.checkHost('localhost'), 'localhost');
    for (const ip of ['127.0.0.1', '::1', '10.96.0.1']) assert.equal(serving.checkIP(ip), ip);
    const admin = new X509Certificate(await readFile(pkiPath(dir, 'adminCert'), 'utf8'));
    assert.equal(admin.subject, 'O=system:masters\nCN=admin');
    assert.equal(admin.verify(ca.publicKey), true);
  });

  it('reuses everything on the next start', async () => {
    const before = await readFile(pkiPath(dir, 'servingCert'), 'utf8');
    const pki = await ensurePki(dir);
    assert.deepEqual(pki.generated, []);
    assert.equal(pki.serving.certPem, before);
  });

  it('re-issues only the serving certificate when a new address appears', async () => {
    const ca = await readFile(pkiPath(dir, 'caCert'), 'utf8');
    const admin = await readFile(pkiPath(dir, 'adminCert'), 'utf8');
    const pki = await ensurePki(dir, { ips: ['198.51.100.7'] });
    assert.deepEqual(pki.generated, ['serving']);
    assert.equal(new X509Certificate(pki.serving.certPem).checkIP('198.51.100.7'), '198.51.100.7');
    assert.equal(await readFile(pkiPath(dir, 'caCert'), 'utf8'), ca);
    assert.equal(await readFile(pkiPath(dir, 'adminCert'), 'utf8'), admin);
  });

  it('re-issues a certificate whose key does not match or is missing', async () => {
    await writeFile(pkiPath(dir, 'adminKey'), await readFile(pkiPath(dir, 'servingKey'), 'utf8'));
    assert.deepEqual((await ensurePki(dir)).generated, ['admin']);
    await unlink(pkiPath(dir, 'servingCert'));
    assert.deepEqual((await ensurePki(dir)).generated, ['serving']);
  });

  it('renews leaves that expire within 30 days, keeping the CA', async () => {
    const ca = await readFile(pkiPath(dir, 'caCert'), 'utf8');
    const later = new Date(Date.now() + 340 * 24 * 3600 * 1000);
    const pki = await ensurePki(dir, { now: later });
    assert.deepEqual(pki.generated, ['serving', 'admin']);
    assert.equal(pki.ca.certPem, ca);
  });

  it('tightens loosened key and directory modes', async () => {
    await chmod(pkiPath(dir, 'caKey'), 0o644);
    await chmod(join(dir, 'pki'), 0o755);
    await ensurePki(dir);
    assert.equal(await mode(pkiPath(dir, 'caKey')), 0o600);
    assert.equal(await mode(join(dir, 'pki')), 0o700);
  });

  it('never replaces the CA silently', async () => {
    const broken = join(root, 'broken');
    await prepareDataDir(broken);
    await ensurePki(broken);
    const key = await readFile(pkiPath(broken, 'caKey'), 'utf8');
    await unlink(pkiPath(broken, 'caKey'));
    await assert.rejects(ensurePki(broken), (err: unknown) => {
      assert.ok(err instanceof DataDirError);
      assert.match(err.message, /ca\.key is missing but .*ca\.crt exists/);
      return true;
    });
    await writeFile(pkiPath(broken, 'caKey'), (await ensurePki(join(root, 'other'))).admin.keyPem);
    await assert.rejects(ensurePki(broken), /ca\.key does not match it/);
    await writeFile(pkiPath(broken, 'caKey'), key);
    await writeFile(pkiPath(broken, 'caCert'), 'garbage');
    await assert.rejects(ensurePki(broken), /not a PEM certificate/);
  });
});

describe('admin kubeconfig', () => {
  const urls: [string, number, string][] = [
    ['0.0.0.0', 6443, 'https://127.0.0.1:6443'],
    ['::', 6443, 'https://127.0.0.1:6443'],
    ['127.0.0.1', 16443, 'https://127.0.0.1:16443'],
    ['192.0.2.2', 6443, 'https://192.0.2.2:6443'],
    ['::1', 6443, 'https://[::1]:6443'],
  ];
  for (const [bind, port, want] of urls) {
    it(`dials ${want} for a server bound to ${bind}`, () => {
      assert.equal(serverUrlFor(bind, port), want);
    });
  }

  it('renders the CA and admin credentials as base64 data under the name skiff', () => {
    const doc = parse(
      renderKubeconfig('https://127.0.0.1:6443', {
        caPem: 'CA',
        clientCertPem: 'CERT',
        clientKeyPem: 'KEY',
      }),
    ) as unknown;
    assert.deepEqual(doc, {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'skiff',
          cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority-data': 'Q0E=' },
        },
      ],
      users: [
        {
          name: 'skiff',
          user: { 'client-certificate-data': 'Q0VSVA==', 'client-key-data': 'S0VZ' },
        },
      ],
      contexts: [{ name: 'skiff', context: { cluster: 'skiff', user: 'skiff' } }],
      'current-context': 'skiff',
      preferences: {},
    });
  });

  it('is written 0600 and read by the real kubectl', async () => {
    const dir = join(root, 'kc');
    await prepareDataDir(dir);
    const pki = await ensurePki(dir);
    const path = await writeAdminKubeconfig(dir, 'https://127.0.0.1:16443');
    assert.equal(path, kubeconfigPath(dir));
    assert.equal(await mode(path), 0o600);

    const { stdout: context } = await run('kubectl', [
      '--kubeconfig',
      path,
      'config',
      'current-context',
    ]);
    assert.equal(context.trim(), 'skiff');
    const { stdout: raw } = await run('kubectl', [
      '--kubeconfig',
      path,
      'config',
      'view',
      '--raw',
      '-o',
      'json',
    ]);
    const view = JSON.parse(raw) as {
      clusters: {
        name: string;
        cluster: { server: string; 'certificate-authority-data': string };
      }[];
      users: {
        name: string;
        user: { 'client-certificate-data': string; 'client-key-data': string };
      }[];
    };
    assert.equal(view.clusters[0]!.cluster.server, 'https://127.0.0.1:16443');
    const b64 = (s: string | undefined): string => Buffer.from(s ?? '', 'base64').toString('utf8');
    assert.equal(b64(view.clusters[0]!.cluster['certificate-authority-data']), pki.ca.certPem);
    assert.equal(b64(view.users[0]!.user['client-certificate-data']), pki.admin.certPem);
    assert.equal(b64(view.users[0]!.user['client-key-data']), pki.admin.keyPem);
  });
});
