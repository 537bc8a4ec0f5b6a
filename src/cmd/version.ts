import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
// Not through api/index.ts: that would load the whole API layer into every verb (even
// `skiff version`), and the server verb starts its datastore before loading it.
import { KUBERNETES_VERSION } from '../api/version.ts';

/** Build information printed by `skiff version` (and later served at /version). */
export interface VersionInfo {
  skiff: string;
  kubernetes: string;
  node: string;
  platform: string;
}

/** Reads the Skiff version from package.json (two levels up from both src/cmd and dist/cmd). */
export function versionInfo(): VersionInfo {
  const pkgPath = fileURLToPath(new URL('../../package.json', import.meta.url));
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { version?: unknown };
  return {
    skiff: typeof pkg.version === 'string' ? `v${pkg.version}` : 'unknown',
    kubernetes: KUBERNETES_VERSION.gitVersion,
    node: process.version,
    platform: `${process.platform}/${process.arch}`,
  };
}

export function runVersion(opts: { output?: string }): void {
  const info = versionInfo();
  if (opts.output === 'json') {
    console.log(JSON.stringify(info, null, 2));
    return;
  }
  console.log(`Skiff ${info.skiff}`);
  console.log(`Kubernetes API ${info.kubernetes}`);
  console.log(`Node.js ${info.node} (${info.platform})`);
}
