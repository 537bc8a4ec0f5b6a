/**
 * The CNI 1.0 runtime side (what libcni does for containerd's CRI): runs a configuration list's
 * plugins as executables found in plugin directories, ADD in order with `prevResult` chaining,
 * DEL in reverse order with the cached ADD result, CHECK with it, VERSION, and keeps one result
 * cache record per attachment (`<cacheDir>/results/<network>-<containerID>-<ifName>`, libcni's
 * layout). The protocol details are the pure functions of cni-config.ts and cni-result.ts; this
 * file only spawns processes and touches the cache files.
 */
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CniCommand, NetworkConfigList, PluginConfig, RuntimeConf } from './cni-config.ts';
import {
  buildPluginConfig,
  buildPluginEnv,
  compareCniVersions,
  validateRuntimeConf,
} from './cni-config.ts';
import { hostSpawner } from '../spawner/index.ts';
import type { CachedAttachment, CniResult, PluginRun, PluginVersionInfo } from './cni-result.ts';
import {
  CniError,
  CniErrorCode,
  cacheFileName,
  decodeCacheRecord,
  encodeCacheRecord,
  parseCniResult,
  parseVersionResult,
  pluginRunError,
  resultToJson,
} from './cni-result.ts';

/** Debian's containernetworking-plugins directory, then the upstream default. */
export const DEFAULT_CNI_PLUGIN_DIRS: readonly string[] = ['/usr/lib/cni', '/opt/cni/bin'];
/** libcni's default cache directory. */
export const DEFAULT_CNI_CACHE_DIR = '/var/lib/cni';
/** How long one plugin may run before it is killed (SIGKILL) and the call fails. */
export const DEFAULT_PLUGIN_TIMEOUT_MS = 60_000;

/** Runs plugin executables; injectable so the client is testable without real plugins. */
export interface PluginExecutor {
  /** The executable for `type` in the first directory that has one, else undefined. */
  find(type: string, dirs: readonly string[]): Promise<string | undefined>;
  /** Runs `path` with `env` (the whole environment) and `stdin`; resolves on exit, never rejects on a non-zero exit. */
  run(
    path: string,
    env: Record<string, string>,
    stdin: string,
    options: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<PluginRun>;
}

/** The PluginExecutor of this machine (child_process). */
export function hostPluginExecutor(): PluginExecutor {
  return {
    async find(type, dirs) {
      for (const dir of dirs) {
        const path = join(dir, type);
        try {
          const st = await stat(path);
          if (!st.isFile()) continue;
          await access(path, fsConstants.X_OK);
          return path;
        } catch {
          // not here: next directory
        }
      }
      return undefined;
    },
    async run(path, env, stdin, { timeoutMs, signal }) {
      // From a worker thread: a spawn blocks its thread for the fork (see spawner/). A plugin
      // that exits without reading stdin is fine: its exit status is what matters.
      const r = await hostSpawner().run(path, [], {
        env,
        input: stdin,
        timeoutMs,
        killSignal: 'SIGKILL',
        ...(signal !== undefined ? { signal } : {}),
      });
      if (r.spawnError !== undefined)
        throw Object.assign(
          new Error(`spawn ${path} ${r.spawnError.code ?? ''}: ${r.spawnError.message}`),
          {
            code: r.spawnError.code,
          },
        );
      if (r.aborted) throw new DOMException('The operation was aborted', 'AbortError');
      return {
        stdout: r.stdout.toString('utf8'),
        stderr:
          r.stderr.toString('utf8') +
          (r.timedOut ? `(killed after the ${timeoutMs} ms timeout)` : ''),
        exitCode: r.exitCode,
        signal: r.signal,
      };
    },
  };
}

/** Options of a {@link CniClient}. */
export interface CniClientOptions {
  /** Directories searched for plugin executables, in order; also passed as CNI_PATH. */
  pluginDirs?: readonly string[];
  /** Root of the result cache (results live in `<cacheDir>/results/`). */
  cacheDir?: string;
  executor?: PluginExecutor;
  timeoutMs?: number;
  /** Environment given to plugins besides CNI_*; default: this process's environment. */
  baseEnv?: Readonly<Record<string, string | undefined>>;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * A CNI runtime client. Calls for different attachments may run concurrently; the caller
 * serialises calls for one attachment (the kubelet's pod worker does).
 */
export class CniClient {
  readonly pluginDirs: readonly string[];
  readonly cacheDir: string;
  private readonly executor: PluginExecutor;
  private readonly timeoutMs: number;
  private readonly baseEnv: Readonly<Record<string, string | undefined>>;

  constructor(options: CniClientOptions = {}) {
    this.pluginDirs = options.pluginDirs ?? DEFAULT_CNI_PLUGIN_DIRS;
    this.cacheDir = options.cacheDir ?? DEFAULT_CNI_CACHE_DIR;
    this.executor = options.executor ?? hostPluginExecutor();
    this.timeoutMs = options.timeoutMs ?? DEFAULT_PLUGIN_TIMEOUT_MS;
    this.baseEnv = options.baseEnv ?? process.env;
  }

  /**
   * ADD: runs every plugin in order, each given the previous one's result, then caches the final
   * result (replacing an older record) and returns it. On failure nothing is rolled back: the
   * caller runs {@link del} for the attachment (as containerd does when network setup fails).
   * Throws CniError (from a plugin or an unusable answer) or CniConfigError (bad attachment).
   */
  async add(list: NetworkConfigList, rt: RuntimeConf, signal?: AbortSignal): Promise<CniResult> {
    validateRuntimeConf(rt);
    let result: CniResult | undefined;
    for (const plugin of list.plugins) {
      const prev = result === undefined ? undefined : resultToJson(result, list.cniVersion);
      const run = await this.invoke('ADD', list, plugin, prev, rt, signal);
      result = parseCniResult(run.stdout, plugin);
    }
    if (result === undefined)
      throw new CniError(CniErrorCode.InvalidNetworkConfig, 'no plugins in list', '');
    await this.writeCache(list, rt, result);
    return result;
  }

  /**
   * DEL: runs every plugin in reverse order with the cached ADD result as `prevResult` (none
   * when there is no record, e.g. after a failed ADD), then removes the record. Idempotent: a
   * second DEL finds no record and the plugins treat it as done. A netns path that no longer
   * exists is passed as an empty CNI_NETNS (as containerd does for a closed namespace), so
   * plugins still release IPAM and host-side state.
   */
  async del(list: NetworkConfigList, rt: RuntimeConf, signal?: AbortSignal): Promise<void> {
    let cached: CachedAttachment | undefined;
    try {
      cached = await this.readCache(list.name, rt);
    } catch {
      // An unreadable record is dropped, as libcni does; DEL proceeds without prevResult.
      cached = undefined;
    }
    const netns = rt.netns !== '' && (await exists(rt.netns)) ? rt.netns : '';
    const delRt: RuntimeConf = { ...rt, netns };
    const prev =
      cached?.result === undefined ? undefined : resultToJson(cached.result, list.cniVersion);
    for (let i = list.plugins.length - 1; i >= 0; i--) {
      const plugin = list.plugins[i];
      if (plugin === undefined) continue;
      await this.invoke('DEL', list, plugin, prev, delRt, signal);
    }
    await rm(this.cachePath(list.name, rt), { force: true });
  }

  /**
   * CHECK: runs every plugin in order with the cached ADD result. Does nothing when the list
   * sets `disableCheck`; throws CniError when the version predates CHECK (0.4.0) or no ADD
   * result is cached (the spec forbids CHECK without one), or a plugin reports a problem.
   */
  async check(list: NetworkConfigList, rt: RuntimeConf, signal?: AbortSignal): Promise<void> {
    if (compareCniVersions(list.cniVersion, '0.4.0') < 0) {
      throw new CniError(
        CniErrorCode.IncompatibleCNIVersion,
        `configuration version "${list.cniVersion}" does not support the CHECK command`,
        '',
      );
    }
    if (list.disableCheck) return;
    const cached = await this.readCache(list.name, rt);
    if (cached?.result === undefined) {
      throw new CniError(
        CniErrorCode.UnknownContainer,
        `failed to get network "${list.name}" cached result`,
        'no ADD result cached for this attachment',
      );
    }
    const prev = resultToJson(cached.result, list.cniVersion);
    for (const plugin of list.plugins) await this.invoke('CHECK', list, plugin, prev, rt, signal);
  }

  /** VERSION of one plugin type. Throws CniError when the plugin is missing or answers badly. */
  async version(type: string, signal?: AbortSignal): Promise<PluginVersionInfo> {
    const path = await this.findPlugin(type, 'VERSION');
    const env = buildPluginEnv('VERSION', undefined, ['dummy'], this.baseEnv);
    const run = await this.executor.run(path, env, JSON.stringify({ cniVersion: '1.0.0' }), {
      timeoutMs: this.timeoutMs,
      ...(signal ? { signal } : {}),
    });
    if (run.exitCode !== 0) throw pluginRunError(run, type, 'VERSION');
    return parseVersionResult(run.stdout, type);
  }

  /**
   * libcni's ValidateNetworkList: every plugin exists and supports the list's cniVersion.
   * Returns the list's capabilities; throws CniError listing every problem.
   */
  async validate(list: NetworkConfigList, signal?: AbortSignal): Promise<string[]> {
    const problems: string[] = [];
    const caps = new Set<string>();
    for (const plugin of list.plugins) {
      try {
        const info = await this.version(plugin.type, signal);
        if (!info.supportedVersions.includes(list.cniVersion)) {
          problems.push(
            `plugin ${plugin.type} does not support config version "${list.cniVersion}"`,
          );
        }
      } catch (err) {
        problems.push((err as Error).message);
      }
      for (const [c, on] of Object.entries(plugin.capabilities)) if (on) caps.add(c);
    }
    if (problems.length > 0) {
      throw new CniError(
        CniErrorCode.InvalidNetworkConfig,
        `invalid network "${list.name}"`,
        problems.join('; '),
      );
    }
    return [...caps].sort();
  }

  /** The cached ADD result of an attachment, or undefined. */
  async cachedResult(list: NetworkConfigList, rt: RuntimeConf): Promise<CniResult | undefined> {
    return (await this.readCache(list.name, rt))?.result;
  }

  /**
   * Every cached attachment (optionally of one container), sorted by file name: what a
   * garbage collector compares with the live sandboxes to DEL leaked ones.
   */
  async cachedAttachments(containerId?: string): Promise<CachedAttachment[]> {
    const dir = join(this.cacheDir, 'results');
    let names: string[];
    try {
      names = (await readdir(dir)).sort();
    } catch {
      return [];
    }
    const out: CachedAttachment[] = [];
    for (const name of names) {
      if (containerId !== undefined && !name.includes(`-${containerId}-`)) continue;
      try {
        const rec = decodeCacheRecord(await readFile(join(dir, name), 'utf8'));
        if (rec === undefined || rec.ifName === '' || rec.networkName === '') continue;
        if (containerId !== undefined && rec.containerId !== containerId) continue;
        out.push(rec);
      } catch {
        // unreadable records are skipped, as libcni does
      }
    }
    return out;
  }

  private cachePath(networkName: string, rt: RuntimeConf): string {
    return join(this.cacheDir, 'results', cacheFileName(networkName, rt.containerId, rt.ifName));
  }

  private async readCache(
    networkName: string,
    rt: RuntimeConf,
  ): Promise<CachedAttachment | undefined> {
    let text: string;
    try {
      text = await readFile(this.cachePath(networkName, rt), 'utf8');
    } catch {
      return undefined;
    }
    return decodeCacheRecord(text);
  }

  private async writeCache(
    list: NetworkConfigList,
    rt: RuntimeConf,
    result: CniResult,
  ): Promise<void> {
    const path = this.cachePath(list.name, rt);
    await mkdir(join(this.cacheDir, 'results'), { recursive: true, mode: 0o700 });
    // Write then rename, so a crash never leaves a truncated record that would cost DEL its prevResult.
    const tmp = `${path}.tmp-${process.pid}`;
    await writeFile(tmp, encodeCacheRecord(list, rt, result), { mode: 0o600 });
    await rename(tmp, path);
  }

  private async findPlugin(type: string, command: CniCommand): Promise<string> {
    if (type.includes('/'))
      throw new CniError(
        CniErrorCode.InvalidNetworkConfig,
        `invalid plugin name: ${type}`,
        '',
        `type="${type}"`,
        command,
      );
    const path = await this.executor.find(type, this.pluginDirs);
    if (path === undefined) {
      throw new CniError(
        CniErrorCode.InvalidNetworkConfig,
        `failed to find plugin "${type}" in path [${this.pluginDirs.join(' ')}]`,
        '',
        `type="${type}"`,
        command,
      );
    }
    return path;
  }

  private async invoke(
    command: CniCommand,
    list: NetworkConfigList,
    plugin: PluginConfig,
    prevResult: Record<string, unknown> | undefined,
    rt: RuntimeConf,
    signal: AbortSignal | undefined,
  ): Promise<PluginRun> {
    const path = await this.findPlugin(plugin.type, command);
    const stdin = buildPluginConfig(list, plugin, prevResult, rt);
    const env = buildPluginEnv(command, rt, this.pluginDirs, this.baseEnv);
    let run: PluginRun;
    try {
      run = await this.executor.run(path, env, stdin, {
        timeoutMs: this.timeoutMs,
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      throw new CniError(
        CniErrorCode.IOFailure,
        `failed to run plugin: ${(err as Error).message}`,
        '',
        pluginLabel(plugin),
        command,
        {
          cause: err,
        },
      );
    }
    if (run.exitCode !== 0) throw pluginRunError(run, plugin, command);
    return run;
  }
}

function pluginLabel(plugin: PluginConfig): string {
  return `type="${plugin.type}"${plugin.name !== undefined && plugin.name !== '' ? ` name="${plugin.name}"` : ''}`;
}
