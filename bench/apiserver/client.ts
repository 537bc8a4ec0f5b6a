/**
 * Minimal HTTPS clients for the API server benchmark: the admin credentials read from the
 * kubeconfig the server writes, HTTP/2 sessions (one per simulated client, as separate kubectl
 * or client-go processes would each hold one connection), and an anonymous HTTP/1.1 probe of
 * /readyz for start-up timing. No retries: the benchmark counts every failure.
 */
import http2 from 'node:http2';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

/** The admin credentials and server URL of a Skiff kubeconfig. */
export interface Credentials {
  server: string;
  ca: string;
  cert: string;
  key: string;
}

/** Reads the first cluster and user of `path` (base64 `*-data` fields, as Skiff writes them). */
export function readKubeconfig(path: string): Credentials {
  const doc = parseYaml(readFileSync(path, 'utf8')) as {
    clusters?: { cluster?: Record<string, string> }[];
    users?: { user?: Record<string, string> }[];
  };
  const cluster = doc.clusters?.[0]?.cluster ?? {};
  const user = doc.users?.[0]?.user ?? {};
  const b64 = (v: string | undefined, what: string): string => {
    if (v === undefined) throw new Error(`kubeconfig ${path}: no ${what}`);
    return Buffer.from(v, 'base64').toString('utf8');
  };
  const server = cluster['server'];
  if (server === undefined) throw new Error(`kubeconfig ${path}: no server`);
  return {
    server,
    ca: b64(cluster['certificate-authority-data'], 'certificate-authority-data'),
    cert: b64(user['client-certificate-data'], 'client-certificate-data'),
    key: b64(user['client-key-data'], 'client-key-data'),
  };
}

/** Opens one authenticated HTTP/2 session and resolves once it is connected. */
export async function connect(creds: Credentials): Promise<http2.ClientHttp2Session> {
  const session = http2.connect(creds.server, {
    ca: creds.ca,
    cert: creds.cert,
    key: creds.key,
  });
  await new Promise<void>((resolve, reject) => {
    session.once('connect', () => {
      session.off('error', reject);
      resolve();
    });
    session.once('error', reject);
  });
  // A late session error (server killed) must not crash the benchmark; requests fail instead.
  session.on('error', () => undefined);
  return session;
}

/** A response: status code and body. */
export interface Response {
  status: number;
  body: Buffer;
}

/** One request on `session`; resolves with the whole response body. */
export function request(
  session: http2.ClientHttp2Session,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = session.request({
      ':method': method,
      ':path': path,
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    });
    let status = 0;
    const chunks: Buffer[] = [];
    req.on('response', (h) => {
      status = Number(h[':status']);
    });
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      resolve({ status, body: Buffer.concat(chunks) });
    });
    req.on('error', reject);
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

/** Closes sessions without waiting for the server's acknowledgement. */
export function closeAll(sessions: Iterable<http2.ClientHttp2Session>): void {
  for (const s of sessions) s.destroy();
}

/**
 * One anonymous GET of https://127.0.0.1:port/readyz over a fresh HTTP/1.1 connection (the CA
 * may not exist yet on a first start, so the certificate is not verified). Resolves to the status
 * code, or 0 when the connection fails (not listening yet).
 */
export function probeReadyz(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = https.get(
      { host: '127.0.0.1', port, path: '/readyz', rejectUnauthorized: false, agent: false },
      (res) => {
        res.resume();
        res.on('end', () => {
          resolve(res.statusCode ?? 0);
        });
      },
    );
    req.on('error', () => {
      resolve(0);
    });
    req.setTimeout(2000, () => req.destroy());
  });
}
