/**
 * Helpers for the `@kubernetes/client-node` e2e test: restarting `./skiff server` on the same
 * data dir and port (the harness only starts fresh servers), an informer whose `error` handler
 * restarts it the way client-node documents (`on('error', () => setTimeout(start))`) but only
 * once the test allows it, and a recorder that turns informer callbacks into an ordered log the
 * test can wait on. Every process here is stopped by PID; no wait is longer than its timeout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Health, type KubeConfig, makeInformer, Watch } from '@kubernetes/client-node';
import type {
  Informer,
  KubernetesListObject,
  KubernetesObject,
  ObjectCache,
} from '@kubernetes/client-node';
import { API_SERVER_ONLY, SKIFF, type SkiffServer } from './harness.ts';

/** Event waits in the tests never take longer than this. */
export const WAIT_MS = 10_000;
/** A restarted server must answer /readyz within this (it reuses the built bundle and the PKI). */
const RESTART_READY_MS = 60_000;

/** Ends `proc` by PID: SIGTERM, then SIGKILL after 10 s; resolves once it has exited. */
export async function stopByPid(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null || proc.pid === undefined) return;
  const exited = new Promise((r) => proc.once('exit', r));
  process.kill(proc.pid, 'SIGTERM');
  const t = setTimeout(() => {
    if (proc.pid !== undefined && proc.exitCode === null) process.kill(proc.pid, 'SIGKILL');
  }, 10_000);
  await exited;
  clearTimeout(t);
}

/** A `./skiff server` started by `restartSkiffServer`; `stop()` ends it by PID (the dir stays). */
export interface RestartedServer {
  proc: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Stops `s` by PID (SIGTERM, waiting for the exit), then starts `./skiff server` again with the
 * harness's command line on the same data dir and port, and resolves once /readyz answers 200
 * through the client's own `Health` check with `kc`. The data dir is still removed by `s.stop()`,
 * which is harmless to call after this (its process has already exited); the caller must stop
 * the returned server first.
 */
export async function restartSkiffServer(
  s: SkiffServer,
  kc: KubeConfig,
  previous?: RestartedServer,
): Promise<RestartedServer> {
  await stopByPid(previous?.proc ?? s.proc);
  const proc = spawn(
    SKIFF,
    [
      'server',
      '--data-dir',
      s.dataDir,
      '--bind-address',
      '127.0.0.1',
      '--port',
      String(s.port),
      ...API_SERVER_ONLY,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const server: RestartedServer = { proc, output: () => out, stop: () => stopByPid(proc) };
  const health = new Health(kc);
  const deadline = Date.now() + RESTART_READY_MS;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`restarted skiff server exited (${String(proc.exitCode)}):\n${out}`);
    }
    // Connection refused while the port is not yet bound is the expected early answer.
    const ready = await health.readyz({ signal: AbortSignal.timeout(2000) }).catch(() => false);
    if (ready) return server;
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`restarted skiff server did not become ready:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One informer callback as recorded: a copy of what the test checks, taken at callback time. */
export interface Recorded {
  verb: 'add' | 'update' | 'delete';
  name: string;
  uid: string;
  resourceVersion: string;
  labels: Record<string, string>;
  /** The object's `spec`, copied (custom resources check their fields). */
  spec: unknown;
}

/** The informer under test plus what it has done. */
export interface RecordingInformer<T extends KubernetesObject> {
  informer: Informer<T> & ObjectCache<T>;
  /** Every add/update/delete callback, in arrival order. */
  events: Recorded[];
  /** Every `error` callback's argument, in arrival order. */
  errors: unknown[];
  /** How many times the list function ran (1 after start; more after a re-list). */
  lists(): number;
  /** Resolves with the first event at index ≥ `from` matching `pred`; rejects after `ms`. */
  waitEvent(
    what: string,
    pred: (e: Recorded) => boolean,
    from?: number,
    ms?: number,
  ): Promise<Recorded>;
  /** Resolves once `errors.length > count`; rejects after `ms`. */
  waitError(count: number, ms?: number): Promise<unknown>;
  /**
   * While paused, an `error` does not restart the informer (the test changes things the
   * informer must then catch up on); `resume()` restarts it if an error is pending.
   */
  pause(): void;
  resume(): void;
  /** Stops the informer and cancels a pending restart. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Builds (without starting) `makeInformer(kc, path, listFn)` with recorded callbacks, counting
 * list calls, and an `error` handler that restarts it after `restartDelayMs` unless paused.
 */
export function recordingInformer<T extends KubernetesObject>(
  kc: KubeConfig,
  path: string,
  listFn: () => Promise<KubernetesListObject<T>>,
  restartDelayMs = 200,
): RecordingInformer<T> {
  let listCount = 0;
  const informer = makeInformer<T>(kc, path, () => {
    listCount++;
    return listFn();
  });
  const events: Recorded[] = [];
  const errors: unknown[] = [];
  const wakers = new Set<() => void>();
  const wake = (): void => {
    for (const w of [...wakers]) w();
  };
  let paused = false;
  let stopped = false;
  let pending = false;
  let timer: NodeJS.Timeout | undefined;
  const restart = (): void => {
    pending = false;
    timer = setTimeout(() => {
      timer = undefined;
      if (stopped) return;
      informer.start().catch((err: unknown) => {
        errors.push(err);
        wake();
      });
    }, restartDelayMs);
  };
  const record =
    (verb: Recorded['verb']) =>
    (obj: T): void => {
      const m = obj.metadata;
      const spec = (obj as { spec?: unknown }).spec;
      events.push({
        verb,
        name: m?.name ?? '',
        uid: m?.uid ?? '',
        resourceVersion: m?.resourceVersion ?? '',
        labels: { ...(m?.labels ?? {}) },
        spec: spec === undefined ? undefined : structuredClone(spec),
      });
      wake();
    };
  informer.on('add', record('add'));
  informer.on('update', record('update'));
  informer.on('delete', record('delete'));
  informer.on('error', (err?: unknown) => {
    errors.push(err);
    wake();
    if (stopped) return;
    if (paused) pending = true;
    else restart();
  });
  /** Resolves with `check()`'s first defined answer, re-checking after every callback. */
  const waitFor = <R>(what: string, check: () => R | undefined, ms: number): Promise<R> =>
    new Promise((resolve, reject) => {
      const first = check();
      if (first !== undefined) {
        resolve(first);
        return;
      }
      const t = setTimeout(() => {
        wakers.delete(waker);
        reject(
          new Error(
            `timed out after ${String(ms)} ms waiting for ${what}; events: ${JSON.stringify(
              events.map((e) => `${e.verb} ${e.name} rv=${e.resourceVersion}`),
            )}; errors: ${errors.map(describeError).join(' | ')}`,
          ),
        );
      }, ms);
      const waker = (): void => {
        const r = check();
        if (r === undefined) return;
        clearTimeout(t);
        wakers.delete(waker);
        resolve(r);
      };
      wakers.add(waker);
    });
  return {
    informer,
    events,
    errors,
    lists: () => listCount,
    waitEvent: (what, pred, from = 0, ms = WAIT_MS) =>
      waitFor(what, () => events.slice(from).find(pred), ms),
    waitError: (count, ms = WAIT_MS) =>
      waitFor(`informer error #${String(count + 1)}`, () => errors[count] ?? undefined, ms),
    pause: () => {
      paused = true;
    },
    resume: () => {
      paused = false;
      if (pending && !stopped) restart();
    },
    stop: async () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await informer.stop();
    },
  };
}

/** A readable one-liner for an informer or API error (client-node's ApiException or a fetch error). */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const e = err as Error & { code?: unknown; statusCode?: unknown; body?: unknown };
    const status = e.statusCode ?? e.code;
    const code =
      typeof status === 'number' || typeof status === 'string' ? ` (${String(status)})` : '';
    return `${e.name}: ${e.message}${code}`;
  }
  return String(err);
}

/**
 * Resolves as `p` does, or rejects after `ms` naming `what`. For calls that must answer promptly
 * but could hang on a server bug (e.g. `informer.start()` awaits the watch's response headers).
 */
export async function withTimeout<R>(what: string, p: Promise<R>, ms = WAIT_MS): Promise<R> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`timed out after ${String(ms)} ms waiting for ${what}`));
    }, ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Resolves once a watch on `path` from `resourceVersion` is answered with 410 Expired (an ERROR
 * event or the HTTP status), through client-node's own `Watch`. Each attempt that instead
 * replays events (the server still serves the watch from storage, e.g. while its watch cache is
 * starting) or says nothing within 1 s is aborted and retried; rejects after `ms`.
 */
export async function waitForExpired(
  kc: KubeConfig,
  path: string,
  resourceVersion: string,
  ms = WAIT_MS,
): Promise<void> {
  const watch = new Watch(kc);
  const deadline = Date.now() + ms;
  const seen: string[] = [];
  while (Date.now() < deadline) {
    const expired = await new Promise<boolean>((resolve) => {
      let controller: AbortController | undefined;
      let settled = false;
      const settle = (v: boolean): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        controller?.abort();
        resolve(v);
      };
      const timer = setTimeout(() => {
        seen.push('nothing within 1 s');
        settle(false);
      }, 1000);
      watch
        .watch(
          path,
          { resourceVersion },
          (type: string, obj: unknown) => {
            const code = (obj as { code?: unknown } | null)?.code;
            seen.push(`${type}${typeof code === 'number' ? ` ${String(code)}` : ''}`);
            settle(type === 'ERROR' && code === 410);
          },
          (err: unknown) => {
            const status = (err as { statusCode?: unknown } | null)?.statusCode;
            if (err !== null) seen.push(`done: ${describeError(err)}`);
            settle(status === 410);
          },
        )
        .then((c) => {
          controller = c;
          if (settled) c.abort();
        })
        .catch(() => {
          settle(false);
        });
    });
    if (expired) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(
    `a watch from resourceVersion ${resourceVersion} never got 410 Expired in ${String(ms)} ms: ${seen.slice(-5).join(', ')}`,
  );
}

/** Polls `check` every 50 ms until it returns a defined value; rejects after `ms`. */
export async function waitUntil<R>(
  what: string,
  check: () => Promise<R | undefined>,
  ms = WAIT_MS,
): Promise<R> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const r = await check();
      if (r !== undefined) return r;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${String(ms)} ms waiting for ${what}${last === undefined ? '' : `: ${describeError(last)}`}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
