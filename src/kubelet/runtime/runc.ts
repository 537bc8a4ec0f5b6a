/**
 * {@link ContainerRuntime} on the real `runc` CLI (runc 1.1; crun does not work on cgroup v1
 * hybrid hosts such as this one).
 *
 * How a container runs, and why. `runc create`/`start` detach the container: its init process
 * is re-parented to PID 1, so its exit status is lost (`runc state` only says "stopped"), and a
 * Node process cannot make itself a child subreaper (prctl) to keep it. `runc run` in the
 * foreground is the shim instead: runc makes itself the subreaper, waits for the container and
 * exits with its status (128+signal when the init process was killed by a signal), and the
 * container's stdout and stderr are our pipes, which {@link CriLogSplitter} turns into the CRI
 * log file. So `createContainer` writes the bundle and records the container (`created`), and
 * `startContainer` spawns `runc run --pid-file` and resolves when the pid file appears (runc
 * writes it after the user process started) or fails with runc's error when runc exits first.
 * A terminal container (or a tty exec) runs under util-linux `script`, which gives runc the pty
 * it needs on its stdin.
 *
 * OOM: `runc run` removes the container's cgroup before it exits, so memory.oom_control cannot
 * be read afterwards. When a container exits, the kernel log is read for `oom-kill` records of
 * its cgroup ({@link KmsgOomLog}: exact, no watcher per container). Where /dev/kmsg cannot be
 * read, a `runc events` watcher per running container reports the cgroup's OOM notifications
 * instead; it attaches only after the process started, so an OOM kill in the first milliseconds
 * can be missed there.
 *
 * With `conmonPath` (what the kubelet uses; conmon.ts) the shim is conmon instead, one per
 * container: it runs `runc create`, the runtime runs `runc start`, and conmon holds the
 * container's stdio, writes its CRI log (rotated from here: rename, then conmon reopens) and its
 * exit status. All of that outlives this process: a restarted kubelet adopts the container, its
 * log has every line written meanwhile, its exit code is read from conmon's exit file, and
 * attach works (output followed from the log, input through conmon's socket).
 *
 * Without conmon, containers outlive this object (runc runs in its own process group), but their
 * output pipes do not outlive this process. After a restart, containers are rediscovered from
 * `runc list` and the metadata files; one that stopped meanwhile reports an unknown exit code.
 *
 * State lives under `root`: `root/runc` is runc's `--root` (tests use a private one and never
 * touch other containers), `root/containers/<id>.json` holds the metadata runc does not keep.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import {
  mkdir,
  open,
  readFile,
  readdir,
  readlink,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { findOnPath } from '../../util/host/path.ts';
import { CommandError, execFileText } from '../spawner/index.ts';
import { CriLogSplitter } from './cri-log.ts';
import {
  DEFAULT_LOG_ROTATION_POLICY,
  RotatingLogWriter,
  maintainRotatedLogs,
  rotatedLogName,
} from './log-rotation.ts';
import {
  ExitFiles,
  REOPEN_LOG_MESSAGE,
  attachStdin,
  conmonArgs,
  exists,
  followLog,
  parseSyncReply,
  readExitFile,
  resizeMessage,
  shortId,
  writeControl,
} from './conmon.ts';
import type { SyncReply } from './conmon.ts';
import type { LogRotationPolicy } from './log-rotation.ts';
import { KmsgOomLog } from './kmsg.ts';
import type { LogStream } from './cri-log.ts';
import {
  ContainerNotFoundError,
  ContainerStateError,
  isValidContainerId,
  signalNumber,
} from './runtime.ts';
import type {
  AttachRequest,
  ContainerRuntime,
  ContainerState,
  ContainerStatus,
  CreateContainerRequest,
  ExecRequest,
  ExecResult,
  TerminalSize,
  RuntimeEvent,
} from './runtime.ts';

/** Options of {@link RuncRuntime}. */
export interface RuncRuntimeOptions {
  /** The runtime's state directory (runc's `--root` is `<root>/runc`). */
  root: string;
  /** The runc binary; default `runc` on PATH. */
  runcPath?: string;
  /** The `script` binary used for terminals; default `script`. */
  scriptPath?: string;
  /**
   * How OOM kills are detected: `kmsg` (default; falls back to `events` when /dev/kmsg cannot
   * be read), `events` (a `runc events` watcher per container) or `none`.
   */
  oomDetection?: 'kmsg' | 'events' | 'none';
  /** How long start waits for runc to start the process (default 30 s). */
  startTimeoutMs?: number;
  /** Maximum CRI log line before it is split into partial records (default 16 KiB). */
  maxLogLine?: number;
  /**
   * Container log rotation (containerLogMaxSize/containerLogMaxFiles); default 10Mi and 5
   * files. Applies to containers this runtime process starts (it writes their logs).
   */
  logRotation?: LogRotationPolicy;
  /** Wall clock for state times; default `new Date()`. */
  now?: () => Date;
  /**
   * How long the cached state of a running container adopted from an earlier runtime process
   * is trusted before `runc state` confirms it again (default 30 s). In between, a signal-0
   * probe of its pid (a syscall, no process spawn) notices at once when it exited.
   */
  adoptedStateRefreshMs?: number;
  /** Epoch nanoseconds for log timestamps; default wall clock with hrtime precision. */
  logClock?: () => bigint;
  /**
   * conmon (see conmon.ts): when set, every container runs under its own conmon, which holds
   * its stdio and writes its log and exit status, so both survive a restart of this process.
   * Without it `runc run` is the shim and output stops at this process's exit.
   */
  conmonPath?: string;
  /** socat, which carries attach input to conmon's SOCK_SEQPACKET socket; default `socat`. */
  socatPath?: string;
  /** How often conmon-written logs are checked for rotation (default 10 s, as upstream). */
  logRotationCheckMs?: number;
}

interface Meta {
  id: string;
  bundleDir: string;
  logPath?: string;
  labels: Record<string, string>;
  status: ContainerStatus;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  oomKilled: boolean;
  pid?: number;
  terminal?: boolean;
  /** The main process keeps a stdin pipe (the container's `stdin: true`). */
  stdin?: boolean;
  cgroupsPath?: string;
  /** Runs under conmon (see conmon.ts); its pid once started. */
  monitor?: 'conmon';
  conmonPid?: number;
}

interface Exit {
  exitCode: number;
  oomKilled: boolean;
}

interface Rec {
  meta: Meta;
  child?: ChildProcess;
  events?: ChildProcess;
  exited?: Promise<Exit>;
  /** OOM kills the kernel log showed for the cgroup when the container started. */
  oomBase?: number;
  /** Attached sessions receiving the main process's output (kubectl attach). */
  attached?: Set<(stream: LogStream, chunk: Buffer) => void>;
  /**
   * Set for a container an earlier runtime process started (adopted from its metadata): its
   * state is cached here; `checkedAt` is when `runc state` last confirmed it (0 = stale).
   */
  adopted?: { checkedAt: number };
}

interface RuncState {
  id: string;
  pid: number;
  status: string;
  bundle: string;
  created: string;
}

function hybridClock(): () => bigint {
  const baseNs = BigInt(Date.now()) * 1_000_000n;
  const baseHr = process.hrtime.bigint();
  return () => baseNs + (process.hrtime.bigint() - baseHr);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A timeout that does not keep the process alive (for races against a real event). */
function deadline(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** `p`, or the signal's reason once it aborts; the listener is removed either way. */
async function raceAbort<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return p;
  signal.throwIfAborted();
  let onAbort = (): void => undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([p, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function isAlive(p: ChildProcess): boolean {
  return p.exitCode === null && p.signalCode === null;
}

/** A runc command that failed; `stderr` holds runc's message. */
export class RuncError extends Error {
  override readonly name = 'RuncError';
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
  }
}

/** The runc-backed runtime (see the module comment). */
export class RuncRuntime implements ContainerRuntime {
  readonly name = 'runc';
  readonly #runcRoot: string;
  readonly #metaDir: string;
  readonly #runc: string;
  readonly #script: string;
  readonly #now: () => Date;
  readonly #logClock: () => bigint;
  readonly #records = new Map<string, Rec>();
  /** Whether `runc list` ran once (see listContainers). */
  #runcListed = false;
  #runcListing: Promise<string[]> | undefined;
  readonly #listeners = new Set<(e: RuntimeEvent) => void>();
  #kmsg: Promise<KmsgOomLog | undefined> | undefined;
  readonly #conmon: string | undefined;
  readonly #exitDir: string;
  readonly #socketDir: string;
  readonly #exits: ExitFiles;
  #rotationTimer: NodeJS.Timeout | undefined;
  #rotating: Promise<void> | undefined;
  /** runc's absolute path for conmon (which execs the runtime by path), found once. */
  #runcAbsolute: Promise<string> | undefined;

  constructor(private readonly opts: RuncRuntimeOptions) {
    this.#runcRoot = join(opts.root, 'runc');
    this.#metaDir = join(opts.root, 'containers');
    this.#conmon = opts.conmonPath;
    this.#exitDir = join(opts.root, 'exits');
    this.#socketDir = join(opts.root, 's');
    this.#exits = new ExitFiles(this.#exitDir);
    this.#runc = opts.runcPath ?? 'runc';
    this.#script = opts.scriptPath ?? 'script';
    this.#now = opts.now ?? (() => new Date());
    this.#logClock = opts.logClock ?? hybridClock();
  }

  /** runc's `--root` directory. */
  get runcRoot(): string {
    return this.#runcRoot;
  }

  subscribe(listener: (event: RuntimeEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(e: RuntimeEvent): void {
    for (const l of this.#listeners) l(e);
  }

  /** Runs runc with the private root; rejects with a RuncError carrying stderr. */
  async #runcCmd(args: string[]): Promise<string> {
    // From a worker thread: a spawn blocks its thread for the fork (see spawner/).
    try {
      return (
        await execFileText(this.#runc, ['--root', this.#runcRoot, ...args], {
          maxBuffer: 16 * 1024 * 1024,
        })
      ).stdout;
    } catch (err) {
      const stderr = err instanceof CommandError ? err.stderr : '';
      const msg = stderr.trim() || (err instanceof Error ? err.message : String(err));
      throw new RuncError(`runc ${args[0] ?? ''}: ${msg}`, stderr);
    }
  }

  async #runcState(id: string): Promise<RuncState | undefined> {
    try {
      return JSON.parse(await this.#runcCmd(['state', id])) as RuncState;
    } catch (err) {
      if (err instanceof RuncError && /does not exist|not exist/.test(err.message))
        return undefined;
      throw err;
    }
  }

  async #persist(meta: Meta): Promise<void> {
    await mkdir(this.#metaDir, { recursive: true });
    const file = join(this.#metaDir, `${meta.id}.json`);
    const tmp = `${file}.tmp`;
    await writeFile(tmp, JSON.stringify(meta));
    await rename(tmp, file);
  }

  async #loadMeta(id: string): Promise<Meta | undefined> {
    try {
      return JSON.parse(await readFile(join(this.#metaDir, `${id}.json`), 'utf8')) as Meta;
    } catch {
      return undefined;
    }
  }

  async createContainer(req: CreateContainerRequest): Promise<ContainerState> {
    if (!isValidContainerId(req.id))
      throw new Error(`invalid container id ${JSON.stringify(req.id)}`);
    if (!req.spec.root.path.startsWith('/'))
      throw new Error(`root.path must be absolute: ${JSON.stringify(req.spec.root.path)}`);
    if (this.#records.has(req.id) || (await this.#loadMeta(req.id)) !== undefined)
      throw new ContainerStateError(`container ${JSON.stringify(req.id)} already exists`);
    await mkdir(this.#runcRoot, { recursive: true, mode: 0o711 });
    await mkdir(req.bundleDir, { recursive: true });
    await writeFile(join(req.bundleDir, 'config.json'), JSON.stringify(req.spec));
    const meta: Meta = {
      id: req.id,
      bundleDir: req.bundleDir,
      ...(req.logPath !== undefined ? { logPath: req.logPath } : {}),
      labels: { ...(req.labels ?? {}) },
      status: 'created',
      createdAt: this.#now().toISOString(),
      oomKilled: false,
      terminal: req.spec.process.terminal === true,
      ...(req.stdin === true ? { stdin: true } : {}),
      ...(req.spec.linux.cgroupsPath !== undefined
        ? { cgroupsPath: req.spec.linux.cgroupsPath }
        : {}),
      ...(this.#conmon !== undefined ? { monitor: 'conmon' as const } : {}),
    };
    // Read the kernel log before the container can run: later OOM records are all its own.
    const kmsg = await this.#kmsgLog();
    const rec: Rec = { meta };
    if (kmsg !== undefined && meta.cgroupsPath !== undefined)
      rec.oomBase = await kmsg.count(meta.cgroupsPath);
    this.#records.set(req.id, rec);
    await this.#persist(meta);
    return toState(meta);
  }

  async startContainer(id: string): Promise<void> {
    const rec = this.#records.get(id);
    // An adopted record is a cache of another process's container, not one this process made.
    if (rec === undefined || rec.adopted !== undefined) throw new ContainerNotFoundError(id);
    if (rec.meta.status !== 'created' || rec.child !== undefined || rec.exited !== undefined)
      throw new ContainerStateError(`container ${id} is ${rec.meta.status}, not created`);
    if (rec.meta.monitor === 'conmon') {
      await this.#startUnderConmon(rec);
      return;
    }
    const bundle = rec.meta.bundleDir;
    const pidFile = join(bundle, 'init.pid');
    const runcLog = join(bundle, 'runc.log');
    await rm(pidFile, { force: true });
    await rm(runcLog, { force: true });
    const runcArgs = [
      '--root',
      this.#runcRoot,
      '--log',
      runcLog,
      '--log-format',
      'json',
      'run',
      '--bundle',
      bundle,
      '--pid-file',
      pidFile,
      id,
    ];
    const [cmd, argv]: [string, string[]] =
      rec.meta.terminal === true
        ? [
            this.#script,
            [
              '-q',
              '-e',
              '-E',
              'never',
              '-c',
              [this.#runc, ...runcArgs].map(shellQuote).join(' '),
              '/dev/null',
            ],
          ]
        : [this.#runc, runcArgs];
    // A terminal's stdin stays an open pipe (see exec): script types EOF into it otherwise.
    const child = spawn(cmd, argv, {
      detached: true,
      stdio: [
        rec.meta.terminal === true || rec.meta.stdin === true ? 'pipe' : 'ignore',
        'pipe',
        'pipe',
      ],
    });
    child.stdin?.on('error', () => undefined);
    rec.child = child;
    const logDone = this.#wireLogs(rec, child);
    const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
      (resolve) => {
        child.once('error', () => {
          resolve({ code: null, signal: null });
        });
        child.once('close', (code, signal) => {
          resolve({ code, signal });
        });
      },
    );
    const polling = { stop: false };
    const pid = await Promise.race([
      this.#waitPidFile(pidFile, this.opts.startTimeoutMs ?? 30_000, polling),
      closed.then(() => undefined),
    ]);
    polling.stop = true;
    // A process that exits at once can beat the poller: runc wrote the pid file all the same.
    const started = pid ?? (await readPidFile(pidFile));
    if (started === undefined) {
      if (isAlive(child)) {
        // Timed out: give up on this start.
        child.kill('SIGKILL');
        await this.#runcCmd(['delete', '--force', id]).catch(() => undefined);
      }
      const { code } = await closed;
      await logDone;
      const why = await runcFailure(runcLog);
      rec.meta.status = 'stopped';
      rec.meta.exitCode = 128;
      rec.meta.finishedAt = this.#now().toISOString();
      delete rec.child;
      await this.#persist(rec.meta);
      // runc run removes a container it failed to start; make sure nothing is left.
      await this.#runcCmd(['delete', '--force', id]).catch(() => undefined);
      throw new RuncError(
        `failed to start container ${id}: ${why ?? `runc exited with ${code ?? 'signal'}`}`,
        why ?? '',
      );
    }
    rec.meta.status = 'running';
    rec.meta.pid = started;
    rec.meta.startedAt = this.#now().toISOString();
    await this.#persist(rec.meta);
    const kmsg = rec.oomBase !== undefined ? await this.#kmsgLog() : undefined;
    if (kmsg === undefined && (this.opts.oomDetection ?? 'kmsg') !== 'none') this.#watchOom(rec);
    this.#emit({ type: 'started', id, pid: started, at: new Date(rec.meta.startedAt) });
    rec.exited = closed.then(async ({ code, signal }) => {
      await logDone;
      const exitCode = code ?? (signal !== null ? 128 + signalNumber(signal) : 255);
      await this.#stopOomWatch(rec);
      if (kmsg !== undefined && rec.meta.cgroupsPath !== undefined) {
        const kills = await kmsg.count(rec.meta.cgroupsPath).catch(() => 0);
        if (kills > (rec.oomBase ?? 0)) {
          rec.meta.oomKilled = true;
          this.#emit({ type: 'oom', id, at: this.#now() });
        }
      }
      rec.meta.status = 'stopped';
      rec.meta.exitCode = exitCode;
      rec.meta.finishedAt = this.#now().toISOString();
      delete rec.meta.pid;
      delete rec.child;
      await this.#persist(rec.meta).catch(() => undefined);
      this.#emit({
        type: 'exit',
        id,
        exitCode,
        oomKilled: rec.meta.oomKilled,
        at: new Date(rec.meta.finishedAt),
      });
      return { exitCode, oomKilled: rec.meta.oomKilled };
    });
    // Callers may never wait; a failure is theirs to see when they do.
    rec.exited.catch(() => undefined);
  }

  /** Paths conmon uses for a container (see conmon.ts). */
  #conmonPaths(meta: Meta): {
    persistDir: string;
    conmonPidFile: string;
    exitFile: string;
    /** conmon writes it when the container's memory cgroup saw an OOM kill. */
    oomFile: string;
    ctl: string;
    attach: string;
  } {
    const persistDir = join(meta.bundleDir, 'conmon');
    return {
      persistDir,
      conmonPidFile: join(persistDir, 'conmon.pid'),
      exitFile: this.#exits.file(meta.id),
      oomFile: join(persistDir, 'oom'),
      ctl: join(meta.bundleDir, 'ctl'),
      attach: join(this.#socketDir, shortId(meta.id), 'attach'),
    };
  }

  /**
   * Starts a container under conmon: conmon runs `runc create` and reports the init pid (or
   * runc's error) on the sync pipe, then `runc start` runs the process. The exit is conmon's
   * exit file.
   */
  async #startUnderConmon(rec: Rec): Promise<void> {
    const meta = rec.meta;
    const conmon = this.#conmon ?? 'conmon';
    const paths = this.#conmonPaths(meta);
    const pidFile = join(meta.bundleDir, 'init.pid');
    await Promise.all([
      rm(pidFile, { force: true }),
      rm(paths.exitFile, { force: true }),
      rm(paths.persistDir, { recursive: true, force: true }),
    ]);
    await Promise.all([
      mkdir(this.#exitDir, { recursive: true }),
      mkdir(this.#socketDir, { recursive: true }),
      mkdir(paths.persistDir, { recursive: true }),
      ...(meta.logPath !== undefined ? [mkdir(dirname(meta.logPath), { recursive: true })] : []),
    ]);
    // conmon execs the runtime by path.
    this.#runcAbsolute ??= this.#runc.includes('/')
      ? Promise.resolve(this.#runc)
      : findOnPath(this.#runc).then((p) => p ?? this.#runc);
    const runcPath = await this.#runcAbsolute;
    // conmon's own messages (it daemonizes; a pipe to this process would not outlive it).
    const conmonLog = await open(join(paths.persistDir, 'conmon.log'), 'a');
    let reply: SyncReply | undefined;
    try {
      const child = spawn(
        conmon,
        conmonArgs({
          id: meta.id,
          cuuid: shortId(meta.id),
          runcPath,
          runcRoot: this.#runcRoot,
          bundleDir: meta.bundleDir,
          pidFile,
          conmonPidFile: paths.conmonPidFile,
          ...(meta.logPath !== undefined ? { logPath: meta.logPath } : {}),
          exitDir: this.#exitDir,
          socketDir: this.#socketDir,
          persistDir: paths.persistDir,
          terminal: meta.terminal === true,
          stdin: meta.stdin === true,
        }),
        {
          detached: true,
          stdio: ['ignore', conmonLog.fd, conmonLog.fd, 'pipe'],
          env: { ...process.env, _OCI_SYNCPIPE: '3' },
        },
      );
      child.unref();
      reply = await readSync(child, this.opts.startTimeoutMs ?? 30_000);
    } finally {
      await conmonLog.close();
    }
    const fail = async (why: string): Promise<never> => {
      await this.#runcCmd(['delete', '--force', meta.id]).catch(() => undefined);
      meta.status = 'stopped';
      meta.exitCode = 128;
      meta.finishedAt = this.#now().toISOString();
      await this.#persist(meta);
      throw new RuncError(`failed to start container ${meta.id}: ${why}`, why);
    };
    if (reply === undefined) {
      const log = await readFile(join(paths.persistDir, 'conmon.log'), 'utf8').catch(() => '');
      return fail(log.trim() || 'conmon did not report the container');
    }
    if ('error' in reply) return fail(reply.error);
    try {
      await this.#runcCmd(['start', meta.id]);
    } catch (err) {
      return fail(err instanceof RuncError ? err.stderr.trim() || err.message : String(err));
    }
    meta.status = 'running';
    meta.pid = reply.pid;
    const conmonPid = await readPidFile(paths.conmonPidFile);
    if (conmonPid !== undefined) meta.conmonPid = conmonPid;
    meta.startedAt = this.#now().toISOString();
    await this.#persist(meta);
    this.#emit({ type: 'started', id: meta.id, pid: reply.pid, at: new Date(meta.startedAt) });
    this.#ensureLogRotation();
    rec.exited = this.#conmonExit(rec);
    rec.exited.catch(() => undefined);
  }

  /** Waits for a conmon container's exit and records it (exit code, OOM kill, times). */
  async #conmonExit(rec: Rec): Promise<Exit> {
    const meta = rec.meta;
    const paths = this.#conmonPaths(meta);
    const code = await this.#exits.wait(meta.id, () =>
      meta.conmonPid === undefined ? true : pidAlive(meta.conmonPid),
    );
    let oom = await exists(paths.oomFile);
    const kmsg = rec.oomBase !== undefined ? await this.#kmsgLog() : undefined;
    if (!oom && kmsg !== undefined && meta.cgroupsPath !== undefined) {
      const kills = await kmsg.count(meta.cgroupsPath).catch(() => 0);
      oom = kills > (rec.oomBase ?? 0);
    }
    if (oom) {
      meta.oomKilled = true;
      this.#emit({ type: 'oom', id: meta.id, at: this.#now() });
    }
    meta.status = 'stopped';
    // Unknown when conmon itself was killed: 255, as for a lost `runc run`.
    meta.exitCode = code ?? 255;
    meta.finishedAt = this.#now().toISOString();
    delete meta.pid;
    await this.#persist(meta).catch(() => undefined);
    this.#emit({
      type: 'exit',
      id: meta.id,
      exitCode: meta.exitCode,
      oomKilled: meta.oomKilled,
      at: new Date(meta.finishedAt),
    });
    return { exitCode: meta.exitCode, oomKilled: meta.oomKilled };
  }

  /**
   * Log rotation of the logs conmon writes (upstream's container log manager): every
   * `logRotationCheckMs`, a log at or over the maximum size is renamed and conmon told to
   * reopen it, then the older rotated files are compressed or removed.
   */
  #ensureLogRotation(): void {
    if (this.#rotationTimer !== undefined) return;
    const policy = this.opts.logRotation ?? DEFAULT_LOG_ROTATION_POLICY;
    if (policy.maxSize <= 0) return;
    this.#rotationTimer = setInterval(() => {
      this.#rotating ??= this.#rotateLogs(policy).finally(() => {
        this.#rotating = undefined;
      });
    }, this.opts.logRotationCheckMs ?? 10_000);
    this.#rotationTimer.unref();
  }

  async #rotateLogs(policy: LogRotationPolicy): Promise<void> {
    for (const rec of [...this.#records.values()]) {
      const meta = rec.meta;
      if (meta.monitor !== 'conmon' || meta.status !== 'running' || meta.logPath === undefined)
        continue;
      try {
        const size = (await stat(meta.logPath)).size;
        if (size < policy.maxSize) continue;
        const rotated = rotatedLogName(meta.logPath, Date.now());
        if (await exists(rotated)) continue;
        await rename(meta.logPath, rotated);
        await writeControl(this.#conmonPaths(meta).ctl, REOPEN_LOG_MESSAGE);
        await maintainRotatedLogs(meta.logPath, policy, basename(rotated));
      } catch {
        // A log that cannot be rotated now is tried again next time.
      }
    }
  }

  /**
   * Pipes the child's stdout/stderr into the CRI log through a {@link RotatingLogWriter} (the
   * container log manager's rotation, done by the writer so no record is split or lost across
   * a rotation); resolves once both streams ended and the file is flushed.
   */
  #wireLogs(rec: Rec, child: ChildProcess): Promise<void> {
    const logPath = rec.meta.logPath;
    const out =
      logPath === undefined
        ? undefined
        : new RotatingLogWriter(logPath, {
            ...(this.opts.logRotation !== undefined ? { policy: this.opts.logRotation } : {}),
            // A log that cannot be written loses output; it must not crash the kubelet.
            onError: () => undefined,
          });
    const write = (b: Buffer): void => {
      out?.write(b);
    };
    const one = (stream: LogStream, src: NodeJS.ReadableStream | null): Promise<void> =>
      new Promise((resolve) => {
        if (src === null) {
          resolve();
          return;
        }
        const splitter = new CriLogSplitter(stream, write, this.#logClock, this.opts.maxLogLine);
        src.on('data', (chunk: Buffer) => {
          splitter.push(chunk);
          for (const l of rec.attached ?? []) l(stream, chunk);
        });
        src.once('error', () => {
          resolve();
        });
        src.once('end', () => {
          splitter.end();
          resolve();
        });
        src.once('close', () => {
          resolve();
        });
      });
    return Promise.all([one('stdout', child.stdout), one('stderr', child.stderr)])
      .then(() => out?.close())
      .catch(() => undefined);
  }

  async #waitPidFile(
    pidFile: string,
    timeoutMs: number,
    polling: { stop: boolean },
  ): Promise<number | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (let delay = 2; Date.now() < deadline && !polling.stop; delay = Math.min(delay * 2, 25)) {
      const pid = await readPidFile(pidFile);
      if (pid !== undefined) return pid;
      await sleep(delay);
    }
    return undefined;
  }

  #watchOom(rec: Rec): void {
    // A long interval: we only want the OOM notifications, not periodic stats.
    const events = spawn(
      this.#runc,
      ['--root', this.#runcRoot, 'events', '--interval', '1000h', rec.meta.id],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    rec.events = events;
    let buf = '';
    events.stdout.setEncoding('utf8');
    events.stdout.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          const e = JSON.parse(line) as { type?: string };
          if (e.type === 'oom') {
            rec.meta.oomKilled = true;
            this.#emit({ type: 'oom', id: rec.meta.id, at: this.#now() });
          }
        } catch {
          // not JSON: ignore
        }
      }
    });
    events.once('error', () => undefined);
  }

  async #stopOomWatch(rec: Rec): Promise<void> {
    const events = rec.events;
    if (events === undefined) return;
    delete rec.events;
    if (isAlive(events)) {
      // Let a notification that raced with the exit arrive, then stop the watcher.
      const gone = new Promise<void>((resolve) =>
        events.once('close', () => {
          resolve();
        }),
      );
      // runc events exits by itself once the cgroup is gone, after printing pending events.
      await Promise.race([gone, deadline(2000)]);
      if (isAlive(events)) {
        events.kill('SIGKILL');
        await gone;
      }
    }
  }

  async state(id: string): Promise<ContainerState | undefined> {
    return this.#state(id, false);
  }

  /**
   * The state of a container. Those this process started are known from their records; adopted
   * ones (started by an earlier runtime process) are cached after one `runc state` and checked
   * again when stale, when `force`, or when their pid is gone (see adoptedStateRefreshMs): a
   * `runc state` per adopted container per listContainers cost a process spawn per pod sync.
   */
  async #state(id: string, force: boolean): Promise<ContainerState | undefined> {
    const rec = this.#records.get(id);
    if (rec !== undefined) {
      const adopted = rec.adopted;
      // A stopped container never runs again: its state is final.
      if (adopted === undefined || rec.meta.status === 'stopped') return toState(rec.meta);
      const fresh =
        Date.now() - adopted.checkedAt < (this.opts.adoptedStateRefreshMs ?? 30_000) &&
        (rec.meta.pid === undefined || pidAlive(rec.meta.pid));
      if (!force && fresh) return toState(rec.meta);
    }
    const meta = rec?.meta ?? (await this.#loadMeta(id));
    if (meta?.monitor === 'conmon' && meta.status === 'running') {
      // conmon outlived the process that started it: its exit file has the status.
      if (await this.#exitFromFiles(meta, 0)) {
        this.#adopt(id, meta);
        return toState(meta);
      }
      this.#ensureLogRotation();
    }
    const rs = await this.#runcState(id);
    if (meta === undefined) {
      if (rs === undefined) return undefined;
      return {
        id,
        status: rs.status === 'running' || rs.status === 'created' ? rs.status : 'stopped',
        bundleDir: rs.bundle,
        ...(rs.pid > 0 ? { pid: rs.pid } : {}),
        createdAt: new Date(rs.created),
        oomKilled: false,
        labels: {},
      };
    }
    // conmon writes the exit file a moment after the process ended.
    if (
      meta.status === 'running' &&
      rs?.status !== 'running' &&
      meta.monitor === 'conmon' &&
      (await this.#exitFromFiles(meta, 2000))
    ) {
      this.#adopt(id, meta);
      return toState(meta);
    }
    if (meta.status === 'running' && rs?.status !== 'running') {
      // Stopped while nobody held its runc process (or its conmon was killed): the exit code
      // is lost.
      meta.status = 'stopped';
      delete meta.pid;
      meta.finishedAt ??= this.#now().toISOString();
      await this.#persist(meta);
    }
    this.#adopt(id, meta);
    return toState(meta);
  }

  /**
   * Records the exit of an adopted conmon container from conmon's files, waiting up to
   * `waitMs` for the exit file while conmon lives; false when there is none.
   */
  async #exitFromFiles(meta: Meta, waitMs: number): Promise<boolean> {
    const { exitFile, oomFile } = this.#conmonPaths(meta);
    const until = Date.now() + waitMs;
    let code = await readExitFile(exitFile);
    while (
      code === undefined &&
      Date.now() < until &&
      meta.conmonPid !== undefined &&
      pidAlive(meta.conmonPid)
    ) {
      await sleep(50);
      code = await readExitFile(exitFile);
    }
    if (code === undefined) return false;
    meta.status = 'stopped';
    meta.exitCode = code;
    if (await exists(oomFile)) meta.oomKilled = true;
    const at = await stat(exitFile).then(
      (st) => st.mtime,
      () => this.#now(),
    );
    meta.finishedAt ??= at.toISOString();
    delete meta.pid;
    await this.#persist(meta);
    return true;
  }

  /** Caches the state of a container an earlier runtime process started. */
  #adopt(id: string, meta: Meta): void {
    // A concurrent call may have adopted it meanwhile, or deleteContainer removed it.
    const current = this.#records.get(id);
    if (current === undefined || current.adopted !== undefined) {
      this.#records.set(id, { meta, adopted: { checkedAt: Date.now() } });
    }
  }

  /** runc's own list of containers (once per process, see listContainers). */
  async #runcList(): Promise<string[]> {
    // The kernel log is opened now, at start-up (its first read drains the whole ring
    // buffer, one record per read: ~0.5 s on a busy machine), not in the first pod's start;
    // the list does not wait for it (a container's creation does).
    void this.#kmsgLog().catch(() => undefined);
    const ids: string[] = [];
    try {
      const listed = JSON.parse(await this.#runcCmd(['list', '--format', 'json'])) as
        RuncState[] | null;
      for (const s of listed ?? []) ids.push(s.id);
      this.#runcListed = true;
    } catch {
      // runc root missing: nothing there yet; try again next time
    }
    return ids;
  }

  async listContainers(): Promise<ContainerState[]> {
    const ids = new Set<string>(this.#records.keys());
    try {
      for (const f of await readdir(this.#metaDir))
        if (f.endsWith('.json')) ids.add(f.slice(0, -5));
    } catch {
      // no metadata yet
    }
    // runc's own list only once per process: every container this runtime creates has its
    // metadata written first, so afterwards the metadata directory is complete; the list finds
    // what a crash left behind (runc state without metadata). A `runc list` per call cost a
    // process spawn per pod sync (~20% of a core for 30 pods resyncing every 10 s).
    if (!this.#runcListed) {
      // Callers at start-up (the first pod's sync, the PLEG's first relist) share one list.
      this.#runcListing ??= this.#runcList().finally(() => {
        this.#runcListing = undefined;
      });
      for (const id of await this.#runcListing) ids.add(id);
    }
    const out: ContainerState[] = [];
    for (const id of ids) {
      const s = await this.state(id);
      if (s !== undefined) out.push(s);
    }
    return out.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }

  async kill(id: string, signal: string | number, opts: { all?: boolean } = {}): Promise<void> {
    const s = await this.state(id);
    if (s === undefined) throw new ContainerNotFoundError(id);
    if (s.status !== 'running') return;
    const args = [
      'kill',
      ...(opts.all === true ? ['--all'] : []),
      id,
      String(signalNumber(signal)),
    ];
    try {
      await this.#runcCmd(args);
    } catch (err) {
      // It may have exited between our check and runc's.
      if (err instanceof RuncError && /not running|does not exist/.test(err.message)) return;
      throw err;
    } finally {
      // A known transition: an adopted container's cached state is confirmed again next time.
      const adopted = this.#records.get(id)?.adopted;
      if (adopted !== undefined) adopted.checkedAt = 0;
    }
  }

  async wait(id: string, signal?: AbortSignal): Promise<Exit> {
    for (;;) {
      const rec = this.#records.get(id);
      if (rec?.exited !== undefined) return raceAbort(rec.exited, signal);
      // Adopted: its pid probe notices the exit; without a pid only runc can tell.
      const s = await this.#state(id, rec?.adopted !== undefined && rec.meta.pid === undefined);
      if (s === undefined) throw new ContainerNotFoundError(id);
      if (s.status === 'stopped') return { exitCode: s.exitCode ?? 255, oomKilled: s.oomKilled };
      // Created but not started yet, or running under another runtime process: poll.
      await raceAbort(sleep(100), signal);
    }
  }

  async deleteContainer(id: string): Promise<void> {
    const rec = this.#records.get(id);
    const meta = rec?.meta ?? (await this.#loadMeta(id));
    if (meta?.monitor === 'conmon') {
      // runc kills what still runs; conmon then writes the exit file and exits.
      if ((await this.#runcState(id)) !== undefined)
        await this.#runcCmd(['delete', '--force', id]).catch(() => undefined);
      const exited =
        rec?.exited ??
        (meta.status === 'running'
          ? this.#exits.wait(id, () => meta.conmonPid !== undefined && pidAlive(meta.conmonPid))
          : undefined);
      if (exited !== undefined)
        await Promise.race([exited.catch(() => undefined), deadline(10_000)]);
      await Promise.all([
        rm(this.#exits.file(id), { force: true }),
        rm(join(this.#socketDir, shortId(id)), { force: true }),
      ]);
    } else if (rec?.child !== undefined && rec.exited !== undefined) {
      await this.kill(id, 'SIGKILL', { all: true }).catch(() => undefined);
      const done = await Promise.race([
        rec.exited.then(() => true),
        deadline(10_000).then(() => false),
      ]);
      if (!done) await this.#runcCmd(['delete', '--force', id]).catch(() => undefined);
    } else if ((await this.#runcState(id)) !== undefined) {
      await this.#runcCmd(['delete', '--force', id]);
    }
    if (rec !== undefined) await this.#stopOomWatch(rec);
    this.#records.delete(id);
    await rm(join(this.#metaDir, `${id}.json`), { force: true });
  }

  async exec(id: string, req: ExecRequest): Promise<ExecResult> {
    const s = await this.state(id);
    if (s === undefined) throw new ContainerNotFoundError(id);
    if (s.status !== 'running') throw new ContainerStateError(`container ${id} is not running`);
    if (req.args.length === 0) throw new Error('exec needs a command');
    req.signal?.throwIfAborted();
    const pidFile = join(s.bundleDir, `exec-${process.hrtime.bigint().toString(36)}.pid`);
    const runcArgs = [
      '--root',
      this.#runcRoot,
      'exec',
      '--pid-file',
      pidFile,
      ...(req.tty === true ? ['--tty'] : []),
      ...(req.cwd !== undefined ? ['--cwd', req.cwd] : []),
      ...(req.env ?? []).flatMap((e) => ['--env', e]),
      id,
      ...req.args,
    ];
    const [cmd, argv]: [string, string[]] =
      req.tty === true
        ? [
            this.#script,
            [
              '-q',
              '-e',
              '-E',
              'never',
              '-c',
              [this.#runc, ...runcArgs].map(shellQuote).join(' '),
              '/dev/null',
            ],
          ]
        : [this.#runc, runcArgs];
    // Under `script`, stdin stays an open pipe even without input: at EOF script would type
    // the terminal's EOF character (a NUL once runc made the terminal raw) into the session.
    const child = spawn(cmd, argv, {
      stdio: [req.stdin !== undefined || req.tty === true ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    child.stdin?.on('error', () => undefined);
    if (req.stdin !== undefined && child.stdin !== null) req.stdin.pipe(child.stdin);
    if (req.tty === true && req.resize !== undefined && child.pid !== undefined) {
      void applyResizes(child.pid, req.resize);
    }
    child.stdout?.on('data', (b: Buffer) => req.stdout?.write(b));
    child.stderr?.on('data', (b: Buffer) => req.stderr?.write(b));
    const onAbort = (): void => {
      void readFile(pidFile, 'utf8')
        .then((t) => process.kill(Number.parseInt(t.trim(), 10), 'SIGKILL'))
        .catch(() => child.kill('SIGKILL'));
    };
    req.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const { code, signal } = await new Promise<{
        code: number | null;
        signal: NodeJS.Signals | null;
      }>((resolve, reject) => {
        child.once('error', reject);
        child.once('close', (c, sig) => {
          resolve({ code: c, signal: sig });
        });
      });
      req.signal?.throwIfAborted();
      if (code === null) return { exitCode: signal !== null ? 128 + signalNumber(signal) : 255 };
      return { exitCode: code };
    } finally {
      req.signal?.removeEventListener('abort', onAbort);
      child.stdin?.destroy();
      await rm(pidFile, { force: true });
    }
  }

  async attach(id: string, req: AttachRequest): Promise<void> {
    if ((this.#records.get(id)?.meta ?? (await this.#loadMeta(id)))?.monitor === 'conmon') {
      await this.#attachUnderConmon(id, req);
      return;
    }
    const rec = this.#records.get(id);
    const child = rec?.child;
    if (rec === undefined || child === undefined || rec.exited === undefined) {
      if ((await this.state(id)) === undefined) throw new ContainerNotFoundError(id);
      // Only containers this runtime process started have their stdio here.
      throw new ContainerStateError(`container ${id} is not running`);
    }
    const listener = (stream: LogStream, chunk: Buffer): void => {
      // A terminal has one stream; upstream sends it all to stdout.
      const out = stream === 'stderr' && rec.meta.terminal !== true ? req.stderr : req.stdout;
      out?.write(chunk);
    };
    rec.attached ??= new Set();
    rec.attached.add(listener);
    const stdin = req.stdin;
    const toChild = (b: Buffer): void => {
      child.stdin?.write(b);
    };
    if (stdin !== undefined && child.stdin !== null) stdin.on('data', toChild);
    if (rec.meta.terminal === true && req.resize !== undefined && child.pid !== undefined) {
      void applyResizes(child.pid, req.resize);
    }
    try {
      await new Promise<void>((resolve) => {
        void rec.exited?.then(() => {
          resolve();
        });
        if (req.signal?.aborted === true) resolve();
        req.signal?.addEventListener(
          'abort',
          () => {
            resolve();
          },
          { once: true },
        );
      });
    } finally {
      rec.attached.delete(listener);
      stdin?.off('data', toChild);
    }
  }

  /**
   * Attach to a container under conmon, also one an earlier runtime process started: its
   * output as conmon writes it to the log (followed from now on), its stdin through conmon's
   * attach socket, terminal sizes through conmon's control FIFO.
   */
  async #attachUnderConmon(id: string, req: AttachRequest): Promise<void> {
    const s = await this.state(id);
    const meta = this.#records.get(id)?.meta;
    if (s === undefined || meta === undefined) throw new ContainerNotFoundError(id);
    if (s.status !== 'running') throw new ContainerStateError(`container ${id} is not running`);
    const paths = this.#conmonPaths(meta);
    const follower =
      meta.logPath === undefined
        ? undefined
        : followLog(meta.logPath, (stream, chunk) => {
            // A terminal has one stream; upstream sends it all to stdout.
            const out = stream === 'stderr' && meta.terminal !== true ? req.stderr : req.stdout;
            out?.write(chunk);
          });
    const stdin = req.stdin;
    const input =
      stdin !== undefined && (meta.stdin === true || meta.terminal === true)
        ? attachStdin(this.opts.socatPath ?? 'socat', paths.attach, stdin)
        : undefined;
    const resize = req.resize;
    if (meta.terminal === true && resize !== undefined) {
      void (async () => {
        for await (const size of resize) {
          await writeControl(paths.ctl, resizeMessage(size.height, size.width));
        }
      })().catch(() => undefined);
    }
    try {
      await this.wait(id, req.signal).catch(() => undefined);
    } finally {
      if (input !== undefined) {
        if (input.stdin !== null) stdin?.unpipe(input.stdin);
        // End of input: socat sends what it has and exits; conmon keeps stdin open.
        input.stdin?.end();
        setTimeout(() => input.kill('SIGKILL'), 5000).unref();
      }
      await follower?.stop();
    }
  }

  /** The kernel log reader, opened once (undefined when unavailable or not wanted). */
  #kmsgLog(): Promise<KmsgOomLog | undefined> {
    if ((this.opts.oomDetection ?? 'kmsg') !== 'kmsg') return Promise.resolve(undefined);
    this.#kmsg ??= KmsgOomLog.open();
    return this.#kmsg;
  }

  async close(): Promise<void> {
    this.#exits.close();
    if (this.#rotationTimer !== undefined) clearInterval(this.#rotationTimer);
    this.#rotationTimer = undefined;
    await this.#rotating;
    for (const rec of this.#records.values()) {
      rec.events?.kill('SIGKILL');
      delete rec.events;
    }
    const kmsg = await this.#kmsg;
    this.#kmsg = undefined;
    await kmsg?.close();
    for (const rec of this.#records.values()) {
      rec.child?.unref();
    }
  }
}

function toState(meta: Meta): ContainerState {
  return {
    id: meta.id,
    status: meta.status,
    bundleDir: meta.bundleDir,
    ...(meta.pid !== undefined ? { pid: meta.pid } : {}),
    createdAt: new Date(meta.createdAt),
    ...(meta.startedAt !== undefined ? { startedAt: new Date(meta.startedAt) } : {}),
    ...(meta.finishedAt !== undefined ? { finishedAt: new Date(meta.finishedAt) } : {}),
    ...(meta.exitCode !== undefined ? { exitCode: meta.exitCode } : {}),
    oomKilled: meta.oomKilled,
    ...(meta.logPath !== undefined ? { logPath: meta.logPath } : {}),
    labels: { ...meta.labels },
  };
}

/** Whether a process exists (signal 0: permission is checked, nothing is sent). */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid in a runc pid file, or undefined when there is none (yet). */
async function readPidFile(file: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readFile(file, 'utf8')).trim(), 10);
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The last error runc logged (`--log-format json`), if any. */
async function runcFailure(logFile: string): Promise<string | undefined> {
  try {
    const lines = (await readFile(logFile, 'utf8')).trim().split('\n').reverse();
    for (const l of lines) {
      try {
        const e = JSON.parse(l) as { level?: string; msg?: string };
        if ((e.level === 'error' || e.level === 'fatal') && e.msg !== undefined) return e.msg;
      } catch {
        // skip
      }
    }
  } catch {
    // no log
  }
  return undefined;
}

/**
 * Applies terminal sizes to a session run under `script`: the pty is the stdin of script's
 * child (the shell running runc); setting its window size (`stty -F`) signals SIGWINCH to the
 * foreground runc, whose handler copies the size to the container's console (runc
 * signals.go: `case unix.SIGWINCH: tty.resize()`). Sizes that come before the pty exists wait
 * for it (up to 5 s); failures are ignored as upstream ignores resize errors.
 */
async function applyResizes(scriptPid: number, sizes: AsyncIterable<TerminalSize>): Promise<void> {
  let pty: string | undefined;
  try {
    for await (const size of sizes) {
      pty ??= await findPty(scriptPid);
      if (pty === undefined) continue;
      const rows = String(Math.max(1, Math.floor(size.height)));
      const cols = String(Math.max(1, Math.floor(size.width)));
      await new Promise<void>((resolve) => {
        execFile('stty', ['-F', pty ?? '', 'rows', rows, 'cols', cols], () => {
          resolve();
        });
      });
    }
  } catch {
    // the session ended
  }
}

/** The pty slave of script's child process (its fd 0), polling briefly until it exists. */
async function findPty(scriptPid: number): Promise<string | undefined> {
  for (let i = 0; i < 50; i++) {
    try {
      const children = (await readFile(`/proc/${scriptPid}/task/${scriptPid}/children`, 'utf8'))
        .trim()
        .split(/\s+/)
        .filter((c) => c !== '');
      for (const c of children) {
        const target = await readlink(`/proc/${c}/fd/0`).catch(() => '');
        if (target.startsWith('/dev/pts/')) return target;
      }
    } catch {
      return undefined;
    }
    await sleep(100);
  }
  return undefined;
}

/**
 * conmon's sync-pipe reply (fd 3 of `child`): undefined when conmon exits or the time is up
 * without one.
 */
async function readSync(child: ChildProcess, timeoutMs: number): Promise<SyncReply | undefined> {
  const pipe = child.stdio[3] as NodeJS.ReadableStream | null | undefined;
  if (pipe === null || pipe === undefined) return undefined;
  let text = '';
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<SyncReply | undefined>((resolve) => {
      timer = setTimeout(() => {
        resolve(undefined);
      }, timeoutMs);
      pipe.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('\n')) resolve(parseSyncReply(text));
      });
      pipe.once('end', () => {
        resolve(parseSyncReply(text));
      });
      pipe.once('error', () => {
        resolve(undefined);
      });
      child.once('error', () => {
        resolve(undefined);
      });
    });
  } finally {
    clearTimeout(timer);
    (pipe as unknown as { destroy(): void }).destroy();
  }
}
