/**
 * `skiff image import|ls|pull|rm`: the node's image store at `DIR/images` (data dir from
 * `--data-dir`, `SKIFF_DATA_DIR`, else ~/.skiff), for offline use and inspection, in the
 * manner of `crictl images|pull|rmi` and `ctr image import`.
 *
 * program.ts imports this module eagerly to declare the verbs, so its static imports stay light
 * (commander only); the image code and the data-dir helpers load when a verb runs.
 */
import { Option } from 'commander';
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ImageRecord, ImageStore } from '../kubelet/images/index.ts';

/** Where an image verb prints. */
export interface ImageIo {
  out(line: string): void;
  err(line: string): void;
}

const processIo: ImageIo = {
  out: (line) => {
    process.stdout.write(`${line}\n`);
  },
  err: (line) => {
    process.stderr.write(`${line}\n`);
  },
};

/** Flags shared by the image verbs. */
export interface ImageFlags {
  dataDir?: string;
}

async function openStore(flags: ImageFlags): Promise<ImageStore> {
  const { resolveDataDir } = await import('./data-dir.ts');
  const { ImageStore } = await import('../kubelet/images/index.ts');
  return new ImageStore(join(resolveDataDir(flags.dataDir), 'images'));
}

/** go-units HumanSizeWithPrecision(size, 4), as crictl prints sizes (`1.088MB`). */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(4))}${units[i] ?? ''}`;
}

function splitName(name: string): { repo: string; tag: string } {
  const at = name.indexOf('@');
  if (at >= 0) return { repo: name.slice(0, at), tag: '<none>' };
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/'))
    return { repo: name.slice(0, colon), tag: name.slice(colon + 1) };
  return { repo: name, tag: '<none>' };
}

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd((widths[c] ?? 0) + 3)))
      .join('')
      .trimEnd(),
  );
}

/** `skiff image ls`: a crictl-style table, or IDs only (`-q`), or JSON records. */
export async function runImageList(
  flags: ImageFlags & { quiet?: boolean; digests?: boolean; output?: string },
  io: ImageIo = processIo,
): Promise<number> {
  const store = await openStore(flags);
  const records = await store.listImages();
  if (flags.output === 'json') {
    io.out(JSON.stringify({ images: records }, null, 2));
    return 0;
  }
  if (flags.quiet === true) {
    for (const id of new Set(records.map((r) => r.configDigest))) io.out(id);
    return 0;
  }
  const head =
    flags.digests === true
      ? ['IMAGE', 'TAG', 'DIGEST', 'IMAGE ID', 'SIZE']
      : ['IMAGE', 'TAG', 'IMAGE ID', 'SIZE'];
  const rows = records.map((r: ImageRecord) => {
    const { repo, tag } = splitName(r.name);
    const id = r.configDigest.slice(7, 20);
    return flags.digests === true
      ? [repo, tag, r.digest.slice(7, 20), id, humanSize(r.size)]
      : [repo, tag, id, humanSize(r.size)];
  });
  for (const line of table([head, ...rows])) io.out(line);
  return 0;
}

/** `skiff image import FILE`: loads an OCI-layout tar or a `docker save` tarball. */
export async function runImageImport(
  file: string,
  flags: ImageFlags & { name?: string },
  io: ImageIo = processIo,
): Promise<number> {
  const store = await openStore(flags);
  const { importArchive } = await import('../kubelet/images/index.ts');
  try {
    const records = await importArchive(
      store,
      file,
      flags.name !== undefined ? { baseName: flags.name } : {},
    );
    if (records.length === 0) {
      io.err(`error: ${file}: no image for linux/amd64 in the archive`);
      return 1;
    }
    for (const r of records) io.out(`Loaded image: ${r.name}`);
    return 0;
  } catch (err) {
    io.err(`error: importing ${file}: ${(err as Error).message}`);
    return 1;
  }
}

/** `skiff image pull REF`: pulls into the store; prints `Image is up to date for <id>`. */
export async function runImagePull(
  ref: string,
  flags: ImageFlags & { creds?: string; dockerConfig?: string; insecureRegistry?: string[] },
  io: ImageIo = processIo,
): Promise<number> {
  const images = await import('../kubelet/images/index.ts');
  const store = await openStore(flags);
  let parsed;
  try {
    parsed = images.parseDockerRef(ref);
  } catch (err) {
    io.err(`error: invalid image reference "${ref}": ${(err as Error).message}`);
    return 1;
  }
  const keyring = new images.CredentialKeyring();
  const configPath =
    flags.dockerConfig ??
    join(process.env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json');
  try {
    keyring.merge(
      images.keyringFromDockerConfig(JSON.parse(await readFile(configPath, 'utf8')) as unknown),
    );
  } catch (err) {
    if (flags.dockerConfig !== undefined) {
      io.err(`error: reading ${flags.dockerConfig}: ${(err as Error).message}`);
      return 1;
    }
  }
  if (flags.creds !== undefined) {
    const colon = flags.creds.indexOf(':');
    if (colon < 0) {
      io.err('error: --creds must be USERNAME:PASSWORD');
      return 1;
    }
    keyring.add(parsed.domain, {
      username: flags.creds.slice(0, colon),
      password: flags.creds.slice(colon + 1),
    });
  }
  const transport = images.nodeTransport();
  try {
    const client = new images.RegistryClient({
      transport,
      keyring,
      insecureRegistries: flags.insecureRegistry ?? [],
    });
    const rec = await client.pull(parsed, store);
    io.out(`Image is up to date for ${rec.configDigest}`);
    return 0;
  } catch (err) {
    io.err(`error: pulling image "${ref}": ${(err as Error).message}`);
    return 1;
  } finally {
    transport.close();
  }
}

/** `skiff image rm REF...`: removes names (or every name of an image ID) and prunes blobs. */
export async function runImageRemove(
  refs: string[],
  flags: ImageFlags,
  io: ImageIo = processIo,
): Promise<number> {
  const store = await openStore(flags);
  let code = 0;
  for (const ref of refs) {
    const found = await store.findImages(ref);
    if (found.length === 0) {
      io.err(`error: no such image "${ref}"`);
      code = 1;
      continue;
    }
    for (const r of found) {
      await store.removeImage(r.name);
      io.out(`Deleted: ${r.name}`);
    }
  }
  await store.prune();
  return code;
}

const dataDirOption = (): Option =>
  new Option(
    '--data-dir <dir>',
    'the data directory; images live in DIR/images (default ~/.skiff)',
  );

/** Declares `skiff image` and its verbs on `program`; actions set `process.exitCode`. */
export function registerImageCommands(program: Command): Command {
  const image = program
    .command('image')
    .summary("manage the node's container images")
    .description(
      "Manage the node's content-addressed image store (DIR/images): import archives for " +
        'offline use, list, pull from a registry, remove.',
    );
  image
    .command('import')
    .argument('<file>', 'an OCI image layout tar (oci-archive) or a `docker save` tarball')
    .summary('import images from an archive')
    .addOption(dataDirOption())
    .addOption(
      new Option('--name <ref>', 'the image name when the archive has none (or only a tag)'),
    )
    .action(async (file: string, opts: { dataDir?: string; name?: string }) => {
      process.exitCode = await runImageImport(file, opts);
    });
  image
    .command('ls')
    .alias('list')
    .summary('list images')
    .addOption(dataDirOption())
    .addOption(new Option('-q, --quiet', 'only image IDs'))
    .addOption(new Option('--digests', 'show repo digests'))
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json']))
    .action(
      async (opts: { dataDir?: string; quiet?: boolean; digests?: boolean; output?: string }) => {
        process.exitCode = await runImageList(opts);
      },
    );
  image
    .command('pull')
    .argument('<ref>', 'an image reference, e.g. busybox or 127.0.0.1:5000/team/app:v1')
    .summary('pull an image from a registry')
    .addOption(dataDirOption())
    .addOption(new Option('--creds <user:password>', 'registry credentials'))
    .addOption(
      new Option(
        '--docker-config <file>',
        'a docker config.json with registry credentials (default ~/.docker/config.json)',
      ),
    )
    .addOption(
      new Option(
        '--insecure-registry <host>',
        'a registry (host or host:port) to reach over plain http; repeatable',
      ).argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v]),
    )
    .action(
      async (
        ref: string,
        opts: {
          dataDir?: string;
          creds?: string;
          dockerConfig?: string;
          insecureRegistry?: string[];
        },
      ) => {
        process.exitCode = await runImagePull(ref, opts);
      },
    );
  image
    .command('rm')
    .alias('remove')
    .argument('<refs...>', 'image names or IDs')
    .summary('remove images')
    .addOption(dataDirOption())
    .action(async (refs: string[], opts: { dataDir?: string }) => {
      process.exitCode = await runImageRemove(refs, opts);
    });
  return image;
}
