/**
 * Kubeconfig loading (client-go clientcmd, the parts components and the CLI use): the server,
 * CA and credentials of the current context, or of the first cluster and user when there is no
 * current-context. `*-data` fields are base64; file fields resolve against the kubeconfig's
 * directory; `tokenFile` is read once.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve as resolvePath } from 'node:path';
import { parse } from 'yaml';

/** Where and how to reach an API server. */
export interface RestConfig {
  /** `https://host:port` (no trailing slash). */
  server: string;
  /** PEM CA bundle; undefined: the system's roots. */
  ca?: Buffer;
  /** PEM client certificate and key (x509 authentication). */
  cert?: Buffer;
  key?: Buffer;
  /** Bearer token. */
  token?: string;
  insecureSkipTlsVerify?: boolean;
  /**
   * The User-Agent; its part before the first `/` is the default field manager, as upstream
   * (e.g. `kube-controller-manager/v1.32.0 (linux/amd64) skiff`).
   */
  userAgent?: string;
}

/** A kubeconfig that cannot be used; the message is one line. */
export class KubeconfigError extends Error {
  override readonly name = 'KubeconfigError';
}

type Doc = Record<string, unknown>;
const asDoc = (v: unknown): Doc | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Doc) : undefined;
const asString = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : undefined;

/** The entry `name` of a kubeconfig list (`clusters`, `users`, `contexts`), or the first one. */
function namedEntry(doc: Doc, list: string, field: string, name: string | undefined): Doc {
  const items = Array.isArray(doc[list]) ? (doc[list] as unknown[]) : [];
  const found =
    name === undefined ? items[0] : items.find((item) => asDoc(item)?.['name'] === name);
  const entry = asDoc(asDoc(found)?.[field]);
  if (entry === undefined) {
    throw new KubeconfigError(
      name === undefined ? `no ${list} entry` : `no ${list} entry named ${JSON.stringify(name)}`,
    );
  }
  return entry;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The RestConfig of kubeconfig YAML `text`; files resolve against `baseDir`. Throws
 * KubeconfigError for a kubeconfig without a server or with an unreadable file.
 */
export async function restConfigFromKubeconfig(text: string, baseDir: string): Promise<RestConfig> {
  const doc = asDoc(parse(text) as unknown);
  if (doc === undefined) throw new KubeconfigError('not a kubeconfig (expected a YAML mapping)');
  const contextName = asString(doc['current-context']);
  let clusterName: string | undefined;
  let userName: string | undefined;
  if (contextName !== undefined) {
    const ctx = namedEntry(doc, 'contexts', 'context', contextName);
    clusterName = asString(ctx['cluster']);
    userName = asString(ctx['user']);
  }
  const cluster = namedEntry(doc, 'clusters', 'cluster', clusterName);
  const usersPresent = Array.isArray(doc['users']) && (doc['users'] as unknown[]).length > 0;
  const user =
    usersPresent || userName !== undefined ? namedEntry(doc, 'users', 'user', userName) : {};
  const server = asString(cluster['server']);
  if (server === undefined) throw new KubeconfigError('the cluster entry has no server');
  const load = async (data: unknown, file: unknown): Promise<Buffer | undefined> => {
    const d = asString(data);
    if (d !== undefined) return Buffer.from(d, 'base64');
    const f = asString(file);
    if (f === undefined) return undefined;
    const path = resolvePath(baseDir, f);
    try {
      return await readFile(path);
    } catch (err) {
      throw new KubeconfigError(`cannot read ${path}: ${errorText(err)}`, { cause: err });
    }
  };
  const config: RestConfig = { server: server.replace(/\/+$/, '') };
  const ca = await load(cluster['certificate-authority-data'], cluster['certificate-authority']);
  if (ca !== undefined) config.ca = ca;
  const cert = await load(user['client-certificate-data'], user['client-certificate']);
  if (cert !== undefined) config.cert = cert;
  const key = await load(user['client-key-data'], user['client-key']);
  if (key !== undefined) config.key = key;
  let token = asString(user['token']);
  const tokenFile = asString(user['tokenFile']);
  if (token === undefined && tokenFile !== undefined) {
    token = (await load(undefined, tokenFile))?.toString('utf8').trim();
  }
  if (token !== undefined) config.token = token;
  if (cluster['insecure-skip-tls-verify'] === true) config.insecureSkipTlsVerify = true;
  return config;
}

/** Reads and decodes the kubeconfig file at `path`. Throws KubeconfigError. */
export async function loadKubeconfig(path: string): Promise<RestConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new KubeconfigError(`cannot read the kubeconfig ${path}: ${errorText(err)}`, {
      cause: err,
    });
  }
  return restConfigFromKubeconfig(text, dirname(path));
}
