/**
 * Datastore endpoints ("DSNs") in k3s' `--datastore-endpoint` style, and opening a Backend or
 * Storage from one. Drivers are imported lazily so that `skiff up` on SQLite never loads the
 * etcd client (and the reverse).
 *
 *   memory://                                   everything in memory, lost on exit
 *   sqlite://PATH                               relative path (sqlite://data/state.db)
 *   sqlite:///ABS/PATH                          absolute path; a query string is accepted and
 *                                               reserved for future options
 *   etcd://HOST:PORT[,HOST:PORT...]             plain-text etcd (port defaults to 2379)
 *   etcds://HOST:PORT[,...]                     etcd over TLS
 *   http(s)://HOST:PORT[,http(s)://HOST:PORT]   k3s' form: a list of etcd client URLs
 *   ...?ca=FILE&cert=FILE&key=FILE              TLS files for etcd (ca/cert/key make etcd:// TLS)
 */
import type { Backend } from './backend.ts';
import type { Storage } from './interface.ts';
import { Store } from './store.ts';
import { openSqliteBackend } from './sqlite/index.ts';
import type { StoreOptions } from './store.ts';

/** TLS files (PEM paths) for an etcd connection. */
export interface EtcdTlsFiles {
  ca?: string;
  cert?: string;
  key?: string;
}

/** A parsed datastore endpoint. */
export type Dsn =
  | { driver: 'memory' }
  | { driver: 'sqlite'; path: string }
  | { driver: 'etcd'; endpoints: string[]; tls?: EtcdTlsFiles };

/** A datastore endpoint that cannot be parsed; the message says what is wrong and shows forms. */
export class DsnError extends Error {
  override readonly name = 'DsnError';
}

const FORMS =
  'expected memory://, sqlite://PATH, etcd://HOST:PORT[,HOST:PORT][?ca=FILE&cert=FILE&key=FILE] or https://HOST:PORT[,https://HOST:PORT]';

function fail(dsn: string, why: string): never {
  throw new DsnError(`invalid datastore endpoint ${JSON.stringify(dsn)}: ${why} (${FORMS})`);
}

/** Splits `rest?query` and parses the query into a map (duplicate keys are an error). */
function splitQuery(dsn: string, s: string): [string, Map<string, string>] {
  const q = s.indexOf('?');
  if (q < 0) return [s, new Map<string, string>()];
  const params = new Map<string, string>();
  for (const [k, v] of new URLSearchParams(s.slice(q + 1))) {
    if (params.has(k)) fail(dsn, `parameter ${k} given twice`);
    params.set(k, v);
  }
  return [s.slice(0, q), params];
}

/** Validates `host[:port]` (IPv6 in brackets) and returns it with a port (default 2379). */
function hostPort(dsn: string, s: string): string {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d+))?$/.exec(s);
  if (m === null) fail(dsn, `bad etcd host ${JSON.stringify(s)}`);
  const host = m[1] ?? '';
  const port = m[2] === undefined ? 2379 : Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    fail(dsn, `bad port in ${JSON.stringify(s)}`);
  }
  return `${host}:${port}`;
}

function etcdTls(dsn: string, params: Map<string, string>): EtcdTlsFiles | undefined {
  const tls: EtcdTlsFiles = {};
  for (const [k, v] of params) {
    if (k !== 'ca' && k !== 'cert' && k !== 'key') {
      fail(dsn, `unknown etcd parameter ${JSON.stringify(k)} (known: ca, cert, key)`);
    }
    if (v === '') fail(dsn, `parameter ${k} is empty`);
    tls[k] = v;
  }
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    fail(dsn, 'cert and key must be given together');
  }
  return Object.keys(tls).length > 0 ? tls : undefined;
}

/**
 * Parses a datastore endpoint. Throws DsnError with a readable message for anything else.
 * Pure: does not touch the file system or the network. etcd endpoints come back as client URLs
 * (`http://host:port`, or `https://` for TLS), in the order given.
 */
export function parseDsn(dsn: string): Dsn {
  const s = dsn.trim();
  const schemeEnd = s.indexOf('://');
  if (schemeEnd < 0) {
    if (s === 'memory' || s === 'memory:') return { driver: 'memory' };
    fail(dsn, 'missing scheme');
  }
  const scheme = s.slice(0, schemeEnd).toLowerCase();
  const rest = s.slice(schemeEnd + 3);
  switch (scheme) {
    case 'memory':
      if (rest !== '') fail(dsn, 'memory:// takes no path or options');
      return { driver: 'memory' };
    case 'sqlite': {
      const [path] = splitQuery(dsn, rest);
      if (path === '') fail(dsn, 'sqlite:// needs a file path');
      return { driver: 'sqlite', path };
    }
    case 'etcd':
    case 'etcds': {
      const [hosts, params] = splitQuery(dsn, rest);
      if (hosts === '') fail(dsn, 'no etcd hosts');
      const tls = etcdTls(dsn, params);
      const secure = scheme === 'etcds' || tls !== undefined;
      const endpoints = hosts
        .split(',')
        .map((h) => `${secure ? 'https' : 'http'}://${hostPort(dsn, h.trim())}`);
      return tls === undefined ? { driver: 'etcd', endpoints } : { driver: 'etcd', endpoints, tls };
    }
    case 'http':
    case 'https': {
      const [list, params] = splitQuery(dsn, s);
      const tls = etcdTls(dsn, params);
      const endpoints = list.split(',').map((item) => {
        const m = /^(https?):\/\/([^/]+)\/?$/i.exec(item.trim());
        if (m === null) fail(dsn, `bad etcd URL ${JSON.stringify(item)}`);
        return `${(m[1] ?? '').toLowerCase()}://${hostPort(dsn, m[2] ?? '')}`;
      });
      return tls === undefined ? { driver: 'etcd', endpoints } : { driver: 'etcd', endpoints, tls };
    }
    default:
      return fail(dsn, `unknown scheme ${JSON.stringify(scheme)}`);
  }
}

/**
 * Opens the Backend a DSN names, importing only that driver (sqlite is always loaded). The caller owns the backend and
 * must close it. Fails with DsnError for a bad DSN, or the driver's StorageError (Locked,
 * Unreachable, ...) when it cannot open.
 */
export async function openBackend(dsn: string): Promise<Backend> {
  const parsed = parseDsn(dsn);
  switch (parsed.driver) {
    case 'memory': {
      const { createMemoryBackend } = await import('./memory/index.ts');
      return createMemoryBackend();
    }
    case 'sqlite':
      // Imported statically: it is the default and small (the native addon loads lazily).
      return openSqliteBackend({
        path: parsed.path,
        // Rare (a full disk, an I/O error): said once on stderr; the store keeps working and
        // retries, as a failed automatic checkpoint would.
        onCheckpointError: (message) => {
          process.emitWarning(`SQLite WAL checkpoint failed: ${message}`);
        },
      });
    case 'etcd': {
      const { openEtcdBackend } = await import('./etcd/index.ts');
      return openEtcdBackend({
        endpoints: parsed.endpoints,
        ...(parsed.tls === undefined ? {} : { tls: parsed.tls }),
      });
    }
  }
}

/** Opens `new Store(await openBackend(dsn), opts)`. Closing the Storage closes the backend. */
export async function openStorage(dsn: string, opts?: StoreOptions): Promise<Storage> {
  return new Store(await openBackend(dsn), opts);
}
