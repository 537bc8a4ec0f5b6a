/**
 * The data directory (`--data-dir`, default `~/.skiff`) and the cluster PKI kept in it:
 *
 *   DIR/              0700
 *   DIR/pki/          0700
 *   DIR/pki/ca.crt    0644   cluster CA (10 years); never replaced silently
 *   DIR/pki/ca.key    0600
 *   DIR/pki/serving.crt|key  API server serving certificate (1 year), re-issued when its SANs
 *                            lack a current name or address, or it nears expiry
 *   DIR/pki/admin.crt|key    admin client certificate (CN admin, O system:masters, 1 year)
 *   DIR/kubeconfig.yaml      0600, see kubeconfig.ts
 *
 * Files are written atomically (temporary file, fsync, rename), so a crash leaves either the old
 * or the new file, never a torn one. A key is written before its certificate: a crash between the
 * two leaves a pair that does not match, which the next start detects and re-issues.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { homedir, hostname, networkInterfaces } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import {
  createCA,
  isIssuedBy,
  issueCertificate,
  keyMatchesCertificate,
  parseIp,
  formatIp,
  readCertificate,
} from '../apiserver/pki/index.ts';
import type { CertificateAuthority, CertificateKeyPair } from '../apiserver/pki/index.ts';

/** A data directory problem the user must fix; the message is one line that says what and where. */
export class DataDirError extends Error {
  override readonly name = 'DataDirError';
}

/**
 * The data directory to use: the flag, else `SKIFF_DATA_DIR`, else `~/.skiff`; made absolute
 * against the current directory. Empty strings count as unset.
 */
export function resolveDataDir(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = flag !== undefined && flag !== '' ? flag : env['SKIFF_DATA_DIR'];
  return resolve(chosen !== undefined && chosen !== '' ? chosen : join(homedir(), '.skiff'));
}

/**
 * Creates `dir` (and missing parents) with mode 0700 if it does not exist; an existing directory
 * keeps its mode (the user chose it). Throws DataDirError when the path exists and is not a
 * directory, or cannot be created.
 */
export async function prepareDataDir(dir: string): Promise<void> {
  await ensurePrivateDir(dir, false);
}

/** mkdir -p with 0700 on what it creates; `enforce` also tightens an existing directory. */
async function ensurePrivateDir(dir: string, enforce: boolean): Promise<void> {
  let created: string | undefined;
  try {
    created = await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new DataDirError(`cannot create data directory ${dir}: ${errorText(err)}`, {
      cause: err,
    });
  }
  const st = await stat(dir);
  if (!st.isDirectory()) throw new DataDirError(`${dir} exists and is not a directory`);
  // mkdir's mode is filtered by the umask; set it exactly on what we created.
  if (created !== undefined || (enforce && (st.mode & 0o077) !== 0)) await chmod(dir, 0o700);
}

function errorText(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e.code === 'string') return e.code;
  return typeof e.message === 'string' ? e.message : String(err);
}

/**
 * Writes `data` to `path` atomically with the given mode: a temporary file in the same
 * directory (created exclusively with `mode`, so the content is never readable by others, even
 * briefly), fsync, rename over `path`, fsync of the directory. On failure the temporary file is
 * removed and `path` is unchanged.
 */
export async function writeFileAtomic(path: string, data: string, mode: number): Promise<void> {
  const tmp = `${path}.tmp-${String(process.pid)}-${randomBytes(4).toString('hex')}`;
  try {
    const fh = await open(tmp, 'wx', mode);
    try {
      await fh.writeFile(data);
      // The umask may have filtered the mode given to open.
      await fh.chmod(mode);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  try {
    const dh = await open(dirname(path), 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  } catch {
    // Directory fsync is not supported everywhere; the rename is still atomic.
  }
}

/** The file names of the PKI under `DIR/pki`. */
export const PKI_FILES = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  servingCert: 'serving.crt',
  servingKey: 'serving.key',
  adminCert: 'admin.crt',
  adminKey: 'admin.key',
} as const;

/** The path of one PKI file. */
export function pkiPath(dataDir: string, file: keyof typeof PKI_FILES): string {
  return join(dataDir, 'pki', PKI_FILES[file]);
}

/** The first address of the default service CIDR 10.96.0.0/12: the `kubernetes` service IP. */
export const KUBERNETES_SERVICE_IP = '10.96.0.1';

/** The names the in-cluster `kubernetes` service is reached by. */
const SERVICE_DNS_NAMES = [
  'kubernetes',
  'kubernetes.default',
  'kubernetes.default.svc',
  'kubernetes.default.svc.cluster.local',
];

/** Extra subjectAltNames for the serving certificate, on top of the defaults. */
export interface SanOptions {
  hostnames?: string[];
  ips?: string[];
}

/** The subjectAltNames the serving certificate must carry. */
export interface ServingSans {
  dnsNames: string[];
  ipAddresses: string[];
}

const DNS_NAME =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * The serving certificate's SANs: localhost, the host name, the `kubernetes` service names, the
 * loopback addresses, the service IP 10.96.0.1, every non-internal address of this host (without
 * link-local ones, which need a zone to be dialled), and the extras. IPs are canonical text;
 * names lower case; a host name that is not a valid DNS name is left out rather than failing.
 */
export function servingSans(extra: SanOptions = {}): ServingSans {
  const names = ['localhost', hostname(), ...SERVICE_DNS_NAMES, ...(extra.hostnames ?? [])]
    .map((n) => n.toLowerCase())
    .filter((n) => DNS_NAME.test(n));
  const ips = ['127.0.0.1', '::1', KUBERNETES_SERVICE_IP];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.internal) continue;
      if (/^fe[89ab]/i.test(a.address) || a.address.startsWith('169.254.')) continue;
      ips.push(a.address);
    }
  }
  ips.push(...(extra.ips ?? []));
  const canonical = ips.map((ip) => {
    const bytes = parseIp(ip);
    if (bytes === null) throw new DataDirError(`not an IP address: ${JSON.stringify(ip)}`);
    return formatIp(bytes);
  });
  return { dnsNames: [...new Set(names)], ipAddresses: [...new Set(canonical)] };
}

/** The PKI material the server needs, read from or just written to the data dir. */
export interface Pki {
  ca: CertificateAuthority;
  serving: CertificateKeyPair;
  admin: CertificateKeyPair;
  /** Which files were (re)generated by this call, e.g. ['ca', 'serving', 'admin']; empty on reuse. */
  generated: ('ca' | 'serving' | 'admin')[];
}

/** Options for ensurePki. */
export interface EnsurePkiOptions extends SanOptions {
  /** Current time, for tests of renewal; defaults to now. */
  now?: Date;
}

const CA_DAYS = 3650;
const LEAF_DAYS = 365;
/** Leaf certificates are re-issued at start when they expire within this window. */
const RENEW_BEFORE_MS = 30 * 24 * 60 * 60 * 1000;

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return undefined;
    throw new DataDirError(`cannot read ${path}: ${errorText(err)}`, { cause: err });
  }
}

async function writePair(
  dataDir: string,
  pair: CertificateKeyPair,
  cert: keyof typeof PKI_FILES,
  key: keyof typeof PKI_FILES,
): Promise<void> {
  await writeFileAtomic(pkiPath(dataDir, key), pair.keyPem, 0o600);
  await writeFileAtomic(pkiPath(dataDir, cert), pair.certPem, 0o644);
}

/** Tightens a key file someone loosened (e.g. copied with a permissive umask). */
async function keepKeyPrivate(path: string): Promise<void> {
  const st = await stat(path);
  if ((st.mode & 0o077) !== 0) await chmod(path, 0o600);
}

/** Whether a stored leaf pair can be used as is: parses, matches, signed by the CA, not expiring. */
function leafUsable(
  pair: { certPem: string | undefined; keyPem: string | undefined },
  caCertPem: string,
  now: Date,
): pair is CertificateKeyPair {
  if (pair.certPem === undefined || pair.keyPem === undefined) return false;
  if (!keyMatchesCertificate(pair.certPem, pair.keyPem)) return false;
  if (!isIssuedBy(pair.certPem, caCertPem)) return false;
  try {
    const info = readCertificate(pair.certPem);
    return (
      info.notBefore.getTime() <= now.getTime() &&
      info.notAfter.getTime() - now.getTime() > RENEW_BEFORE_MS
    );
  } catch {
    return false;
  }
}

/**
 * Makes sure DIR/pki holds a CA, a serving certificate and an admin client certificate, and
 * returns them. First start: creates all three. Later starts reuse them, re-issuing a leaf (with
 * the same CA) when it is missing, unreadable, does not match its key, was not signed by the CA,
 * expires within 30 days, or (serving) lacks one of the SANs servingSans(opts) lists now (a new
 * address after a network change). The CA is never replaced: an unusable CA, or only one of
 * ca.crt/ca.key present, is a DataDirError, since replacing it would silently break every
 * kubeconfig and node that trusts it. Callers must not run two ensurePki on one dir at once
 * (the server holds the data-file lock first).
 */
export async function ensurePki(dataDir: string, opts: EnsurePkiOptions = {}): Promise<Pki> {
  const now = opts.now ?? new Date();
  await ensurePrivateDir(join(dataDir, 'pki'), true);
  const generated: Pki['generated'] = [];

  const caCertPath = pkiPath(dataDir, 'caCert');
  const caKeyPath = pkiPath(dataDir, 'caKey');
  const caCert = await readOptional(caCertPath);
  const caKey = await readOptional(caKeyPath);
  let ca: CertificateAuthority;
  if (caCert === undefined && caKey === undefined) {
    ca = createCA({ commonName: 'skiff-ca', validDays: CA_DAYS, now });
    await writePair(dataDir, ca, 'caCert', 'caKey');
    generated.push('ca');
  } else if (caCert === undefined || caKey === undefined) {
    throw new DataDirError(
      `${caCert === undefined ? caCertPath : caKeyPath} is missing but ${caCert === undefined ? caKeyPath : caCertPath} exists; restore it, or remove ${join(dataDir, 'pki')} to start a new cluster CA`,
    );
  } else {
    ca = { certPem: caCert, keyPem: caKey };
    checkCa(ca, caCertPath, now);
    await keepKeyPrivate(caKeyPath);
  }

  const sans = servingSans(opts);
  const storedServing = {
    certPem: await readOptional(pkiPath(dataDir, 'servingCert')),
    keyPem: await readOptional(pkiPath(dataDir, 'servingKey')),
  };
  let serving: CertificateKeyPair;
  if (leafUsable(storedServing, ca.certPem, now) && hasSans(storedServing.certPem, sans)) {
    serving = storedServing;
    await keepKeyPrivate(pkiPath(dataDir, 'servingKey'));
  } else {
    serving = issueCertificate(ca, {
      commonName: 'kube-apiserver',
      dnsNames: sans.dnsNames,
      ipAddresses: sans.ipAddresses,
      usages: ['server'],
      validDays: LEAF_DAYS,
      now,
    });
    await writePair(dataDir, serving, 'servingCert', 'servingKey');
    generated.push('serving');
  }

  const admin = await ensureClientCertificate(dataDir, ca, 'admin', {
    commonName: 'admin',
    organizations: ['system:masters'],
    now,
  });
  if (admin.generated) generated.push('admin');
  return { ca, serving, admin: admin.pair, generated };
}

/**
 * A client certificate of the cluster CA kept in DIR/pki/<file>.crt and .key (the admin's, and
 * each component's identity: `system:kube-controller-manager`, `system:kube-scheduler`, ...):
 * reused while usable (see leafUsable) and naming the same user and groups, else issued anew.
 */
export async function ensureClientCertificate(
  dataDir: string,
  ca: CertificateAuthority,
  file: string,
  who: { commonName: string; organizations?: readonly string[]; now?: Date },
): Promise<{ pair: CertificateKeyPair; generated: boolean }> {
  const now = who.now ?? new Date();
  const certPath = join(dataDir, 'pki', `${file}.crt`);
  const keyPath = join(dataDir, 'pki', `${file}.key`);
  const stored = { certPem: await readOptional(certPath), keyPem: await readOptional(keyPath) };
  const orgs = [...(who.organizations ?? [])].sort();
  if (leafUsable(stored, ca.certPem, now)) {
    const info = readCertificate(stored.certPem);
    if (
      info.commonName === who.commonName &&
      JSON.stringify([...info.organizations].sort()) === JSON.stringify(orgs) &&
      info.usages.includes('client')
    ) {
      await keepKeyPrivate(keyPath);
      return { pair: stored, generated: false };
    }
  }
  const pair = issueCertificate(ca, {
    commonName: who.commonName,
    organizations: orgs,
    usages: ['client'],
    validDays: LEAF_DAYS,
    now,
  });
  await writeFileAtomic(keyPath, pair.keyPem, 0o600);
  await writeFileAtomic(certPath, pair.certPem, 0o644);
  return { pair, generated: true };
}

function checkCa(ca: CertificateAuthority, path: string, now: Date): void {
  let why: string | undefined;
  try {
    const info = readCertificate(ca.certPem);
    if (!info.isCA) why = 'it is not a CA certificate';
    else if (!keyMatchesCertificate(ca.certPem, ca.keyPem)) why = 'ca.key does not match it';
    else if (info.notAfter <= now) why = `it expired on ${info.notAfter.toISOString()}`;
  } catch {
    why = 'it is not a PEM certificate';
  }
  if (why !== undefined) {
    throw new DataDirError(
      `cannot use the cluster CA ${path}: ${why}; remove ${dirname(path)} to start a new cluster CA`,
    );
  }
}

function hasSans(certPem: string, want: ServingSans): boolean {
  const info = readCertificate(certPem);
  const dns = new Set(info.dnsNames.map((n) => n.toLowerCase()));
  const ips = new Set(info.ipAddresses);
  return want.dnsNames.every((n) => dns.has(n)) && want.ipAddresses.every((ip) => ips.has(ip));
}
