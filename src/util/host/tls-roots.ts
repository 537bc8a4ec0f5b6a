/**
 * The certificate authorities Node trusts by default for outbound TLS, when the `skiff` launcher
 * deferred `NODE_EXTRA_CA_CERTS`.
 *
 * Node reads and parses the file named by `NODE_EXTRA_CA_CERTS` at every start, before any of
 * our code runs: with Debian's 200 KB bundle that is ~40-50 ms of CPU, a sixth of the API
 * server's start-up budget, although the server itself never dials a public TLS endpoint. The
 * launcher therefore moves the variable to `SKIFF_EXTRA_CA_CERTS`, and the few clients that
 * verify servers against the default roots (image registries, admission webhooks without a
 * caBundle, a kubeconfig without a CA) pass {@link defaultTrustedCAs} as their `ca`: Node's
 * bundled roots plus those extra certificates, which is exactly what Node would have trusted.
 * Run without the launcher (`node dist/cmd/main.js`, tests), nothing is deferred and Node's
 * own defaults apply.
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';

/** The variable the launcher moves `NODE_EXTRA_CA_CERTS` to. */
export const DEFERRED_EXTRA_CA_ENV = 'SKIFF_EXTRA_CA_CERTS';

const PEM_CERT = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

let cached: { file: string; cas: readonly string[] } | undefined;

/**
 * Node's default trust with the deferred extra certificates, or undefined when nothing was
 * deferred (then leave `ca` unset: Node's defaults already hold any extra certificates). The
 * file is read once per process; each call returns a new array. An unreadable file or one without a PEM certificate is
 * reported once through `warn` (as Node warns "Ignoring extra certs from ...") and ignored.
 */
export function defaultTrustedCAs(
  env: NodeJS.ProcessEnv = process.env,
  warn: (message: string) => void = (m) => {
    process.emitWarning(m);
  },
): string[] | undefined {
  const file = env[DEFERRED_EXTRA_CA_ENV];
  if (file === undefined || file === '') return undefined;
  if (cached?.file === file) return [...cached.cas];
  let extra: string[] = [];
  try {
    extra = readFileSync(file, 'latin1').match(PEM_CERT) ?? [];
    if (extra.length === 0) warn(`Ignoring extra certs from \`${file}\`, no PEM certificate in it`);
  } catch (err) {
    warn(`Ignoring extra certs from \`${file}\`, load failed: ${(err as Error).message}`);
  }
  cached = { file, cas: [...rootCertificates, ...extra] };
  return [...cached.cas];
}
