/**
 * Components on worker threads of the `skiff` process. A worker has its own event loop and V8
 * heap, so the simulated node pool of `skiff server|up --simulated-nodes N` (thousands of Lease
 * renewals and pod status writes a second, an informer of every pod) runs beside the API server,
 * controller-manager and scheduler instead of taking turns with them on one thread: the process
 * uses the machine's second core. The worker talks to the API server through the client over
 * HTTPS, as it did on the main thread.
 *
 * The worker runs the same program: from the bundle, `dist/cmd/main.js` (the loader, so it gets
 * the code cache) with a marker in `workerData` that main.ts checks first; from source (tests
 * under tsx), `component-worker-entry.ts`, after registering tsx in the worker.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { RestConfig } from '../client/index.ts';

const MARK = 'skiffComponentWorker';

/** What a worker runs. */
export interface SimulatedPoolWork {
  kind: 'simulated-node-pool';
  config: RestConfig;
  nodeNames: readonly string[];
}

type ToParent = { kind: 'error'; what: string; message: string };
type ToWorker = { kind: 'stop' };

/** How long a stopped worker may take to finish its work before it is terminated. */
const STOP_GRACE_MS = 10_000;

/** A worker running this program, with `workerData`. */
function programWorker(workerData: unknown): Worker {
  const here = import.meta.url;
  // In the bundle, import.meta.url is the bundle's own file (scripts/build.sh).
  if (here.endsWith('/skiff.cjs')) {
    return new Worker(fileURLToPath(new URL('./main.js', here)), { workerData });
  }
  // From source: Node 20 applies neither the parent's `--import tsx` nor hooks registered in
  // the worker to its ES modules, so the worker loads the entry through tsx's CommonJS hook.
  const require = createRequire(here);
  const tsx = require.resolve('tsx/cjs');
  const entry = fileURLToPath(new URL('./component-worker-entry.ts', here));
  const source = `require(${JSON.stringify(tsx)}); require(${JSON.stringify(entry)});`;
  return new Worker(source, { eval: true, workerData });
}

/**
 * Runs `work` on a worker thread until `signal` aborts; resolves once the worker exited.
 * Failures inside are reported through `onError` (the worker goes on, as on the main thread);
 * a worker that dies is reported and not restarted.
 */
export function runInWorker(
  work: SimulatedPoolWork,
  signal: AbortSignal,
  onError: (what: string, err: unknown) => void,
): Promise<void> {
  const worker = programWorker({ [MARK]: work });
  worker.on('message', (m: ToParent) => {
    onError(m.what, new Error(m.message));
  });
  worker.on('error', (err) => {
    onError(`${work.kind} worker`, err);
  });
  let grace: NodeJS.Timeout | undefined;
  const stop = (): void => {
    const msg: ToWorker = { kind: 'stop' };
    worker.postMessage(msg);
    grace = setTimeout(() => void worker.terminate(), STOP_GRACE_MS);
    grace.unref();
  };
  if (signal.aborted) stop();
  else signal.addEventListener('abort', stop, { once: true });
  return new Promise((resolve) => {
    worker.once('exit', () => {
      clearTimeout(grace);
      signal.removeEventListener('abort', stop);
      resolve();
    });
  });
}

/** The work this thread was started for, when it is a component worker. */
export function componentWork(): SimulatedPoolWork | undefined {
  if (isMainThread) return undefined;
  const data = workerData as Record<string, unknown> | null | undefined;
  return data?.[MARK] as SimulatedPoolWork | undefined;
}

/** The pool runner (scheduler-and-nodes.ts), passed in so that this module stays small. */
export type PoolRunner = (
  config: RestConfig,
  nodeNames: readonly string[],
  signal: AbortSignal,
  onError: (what: string, err: unknown) => void,
) => Promise<void>;

/**
 * In a component worker: runs its work until the parent says stop, then lets the thread end.
 * `loadPool` loads the pool's code (lazily in the bundle; statically from source, where the
 * worker has tsx's CommonJS hook only).
 */
export async function runComponentWork(
  work: SimulatedPoolWork,
  loadPool: () => Promise<PoolRunner>,
): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('not a worker thread');
  const stop = new AbortController();
  // The one message a worker gets is { kind: 'stop' }.
  port.on('message', () => {
    stop.abort();
  });
  const report = (what: string, err: unknown): void => {
    const msg: ToParent = {
      kind: 'error',
      what,
      message: err instanceof Error ? err.message : String(err),
    };
    port.postMessage(msg);
  };
  // Buffers arrive as plain Uint8Arrays through the structured clone.
  const buf = (b: Uint8Array | undefined): Buffer | undefined =>
    b === undefined ? undefined : Buffer.from(b);
  const c = work.config;
  const ca = buf(c.ca);
  const cert = buf(c.cert);
  const key = buf(c.key);
  const config: RestConfig = {
    server: c.server,
    ...(ca === undefined ? {} : { ca }),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
    ...(c.token === undefined ? {} : { token: c.token }),
    ...(c.insecureSkipTlsVerify === undefined
      ? {}
      : { insecureSkipTlsVerify: c.insecureSkipTlsVerify }),
    ...(c.userAgent === undefined ? {} : { userAgent: c.userAgent }),
  };
  try {
    const runPool = await loadPool();
    await runPool(config, work.nodeNames, stop.signal, report);
  } catch (err) {
    report(work.kind, err);
  } finally {
    port.close();
  }
}
