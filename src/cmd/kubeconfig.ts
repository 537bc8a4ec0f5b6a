/**
 * The admin kubeconfig written to `DIR/kubeconfig.yaml`: the cluster CA and the admin client
 * certificate embedded as base64 data (so the file works when copied elsewhere), cluster, user
 * and context all named `skiff`, current-context set.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pkiPath, writeFileAtomic } from './data-dir.ts';

/** The name of the cluster, user and context in the admin kubeconfig. */
export const KUBECONFIG_NAME = 'skiff';

/** The path of the admin kubeconfig in a data dir. */
export function kubeconfigPath(dataDir: string): string {
  return join(dataDir, 'kubeconfig.yaml');
}

/**
 * The URL clients should dial for a server bound to `bindAddress:port`: a wildcard bind
 * (0.0.0.0 or ::) is reached through 127.0.0.1, which the serving certificate always lists; an
 * IPv6 address is bracketed.
 */
export function serverUrlFor(bindAddress: string, port: number): string {
  const host =
    bindAddress === '0.0.0.0' || bindAddress === '::' || bindAddress === ''
      ? '127.0.0.1'
      : bindAddress;
  return `https://${host.includes(':') ? `[${host}]` : host}:${String(port)}`;
}

/** PEM text for the kubeconfig. */
export interface KubeconfigCredentials {
  caPem: string;
  clientCertPem: string;
  clientKeyPem: string;
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/**
 * Renders a kubeconfig (YAML text) for `serverUrl` with embedded CA and client credentials.
 * Written by hand rather than with the yaml package: the structure is fixed, the values are
 * JSON-quoted (valid YAML scalars whatever they contain), and loading the yaml package would add
 * ~30 ms to every start.
 */
export function renderKubeconfig(serverUrl: string, creds: KubeconfigCredentials): string {
  const q = (v: string): string => JSON.stringify(v);
  const name = q(KUBECONFIG_NAME);
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `  - name: ${name}`,
    '    cluster:',
    `      server: ${q(serverUrl)}`,
    `      certificate-authority-data: ${q(b64(creds.caPem))}`,
    'users:',
    `  - name: ${name}`,
    '    user:',
    `      client-certificate-data: ${q(b64(creds.clientCertPem))}`,
    `      client-key-data: ${q(b64(creds.clientKeyPem))}`,
    'contexts:',
    `  - name: ${name}`,
    '    context:',
    `      cluster: ${name}`,
    `      user: ${name}`,
    `current-context: ${name}`,
    'preferences: {}',
    '',
  ].join('\n');
}

/**
 * Writes `DIR/kubeconfig.yaml` (mode 0600, atomically) for `serverUrl`, with the CA and admin
 * credentials read from `DIR/pki` (run ensurePki first) unless given. Rewritten on every start
 * so that the server address and port are current. Returns the path.
 */
export async function writeAdminKubeconfig(
  dataDir: string,
  serverUrl: string,
  creds?: KubeconfigCredentials,
): Promise<string> {
  const c = creds ?? {
    caPem: await readFile(pkiPath(dataDir, 'caCert'), 'utf8'),
    clientCertPem: await readFile(pkiPath(dataDir, 'adminCert'), 'utf8'),
    clientKeyPem: await readFile(pkiPath(dataDir, 'adminKey'), 'utf8'),
  };
  const path = kubeconfigPath(dataDir);
  await writeFileAtomic(path, renderKubeconfig(serverUrl, c), 0o600);
  return path;
}
