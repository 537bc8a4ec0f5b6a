/**
 * Worker thread holding the benchmark's watchers, so that parsing 100 copies of every event does
 * not delay the writers' timing in the main thread. Each watcher is its own HTTP/2 session (as
 * separate informers in separate processes would be) watching one path.
 *
 * Protocol: workerData = WatcherConfig. The worker posts {type:'ready'} once every watch has its
 * response headers; on {type:'count'} it posts {type:'count', min} (the fewest events any
 * watcher has received); on {type:'stop'} it closes the watches and posts {type:'done', result}.
 * Every watched object carries `data.i` (its sequence number) and `data.t` (the writer's
 * `nowMs()` when it issued the create); process.hrtime is process-wide, so the clocks agree.
 */
import type http2 from 'node:http2';
import { parentPort, workerData } from 'node:worker_threads';
import { closeAll, connect, type Credentials } from './client.ts';
import { nowMs } from '../storage/stats.ts';

/** What the main thread passes to the worker. */
export interface WatcherConfig {
  creds: Credentials;
  /** e.g. /api/v1/namespaces/NS/configmaps?watch=1&resourceVersion=RV */
  path: string;
  watchers: number;
}

/** What each watcher saw. */
export interface WatcherResult {
  /** latencies[w][i]: ms from create issued to watcher w receiving event i; NaN if never. */
  latencies: Float64Array[];
  /** Events per watcher that carried no sequence number (bookmarks, errors). */
  other: number[];
  /** Watches that ended or failed before stop. */
  ended: number;
  errors: string[];
}

const LINE = /"i":"(\d+)","t":"([\d.]+)"/;

async function run(cfg: WatcherConfig): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('watchers.ts must run as a worker');
  const sessions: http2.ClientHttp2Session[] = [];
  const lat: number[][] = [];
  const other: number[] = [];
  const received: number[] = [];
  const errors: string[] = [];
  let ended = 0;
  let stopping = false;
  const opened: Promise<void>[] = [];
  for (let w = 0; w < cfg.watchers; w++) {
    const session = await connect(cfg.creds);
    sessions.push(session);
    const mine: number[] = [];
    lat.push(mine);
    other.push(0);
    received.push(0);
    const req = session.request({
      ':method': 'GET',
      ':path': cfg.path,
      accept: 'application/json',
    });
    opened.push(
      new Promise<void>((resolve, reject) => {
        req.once('response', (h) => {
          const status = Number(h[':status']);
          if (status === 200) resolve();
          else reject(new Error(`watch ${String(w)}: HTTP ${String(status)}`));
        });
        req.once('error', reject);
      }),
    );
    let buf = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      const t = nowMs();
      buf += chunk;
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = LINE.exec(line);
        if (m?.[1] !== undefined && m[2] !== undefined) {
          mine[Number(m[1])] = t - Number(m[2]);
          received[w] = (received[w] ?? 0) + 1;
        } else if (line.trim() !== '') other[w] = (other[w] ?? 0) + 1;
        nl = buf.indexOf('\n');
      }
    });
    req.on('end', () => {
      if (!stopping) ended++;
    });
    req.on('error', (err: Error) => {
      if (!stopping) errors.push(err.message);
    });
  }
  try {
    await Promise.all(opened);
  } catch (err) {
    errors.push(err instanceof Error ? err.message : String(err));
  }
  port.postMessage({ type: 'ready' });
  port.on('message', (msg: { type: string }) => {
    if (msg.type === 'count') {
      // The fewest events any watcher has seen so far: lets the writer wait for delivery.
      port.postMessage({ type: 'count', min: Math.min(...received) });
      return;
    }
    if (msg.type !== 'stop') return;
    stopping = true;
    closeAll(sessions);
    const latencies = lat.map((a) => {
      const f = new Float64Array(a.length).fill(NaN);
      a.forEach((v, i) => {
        f[i] = v;
      });
      return f;
    });
    const result: WatcherResult = { latencies, other, ended, errors };
    port.postMessage(
      { type: 'done', result },
      latencies.map((f) => f.buffer),
    );
    port.close();
  });
}

await run(workerData as WatcherConfig);
