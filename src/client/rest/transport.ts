/**
 * The HTTPS transport to the API server: one HTTP/2 session per client (every request and
 * watch multiplexed on it, reconnected when it closes), JSON bodies, Status errors rebuilt as
 * StatusErrors, and retries as client-go does them: a 429 (or 5xx) with Retry-After is retried
 * after the delay it names, up to `maxRetries` times; a connection failure is retried with
 * backoff for reads, and for writes only when the connection could not be made at all (the
 * request never left).
 */
import { connect, constants } from 'node:http2';
import type { ClientHttp2Session, ClientHttp2Stream, IncomingHttpHeaders } from 'node:http2';
import { StatusError } from '../../api/index.ts';
import { defaultTrustedCAs } from '../../util/host/tls-roots.ts';
import type { RestConfig } from './kubeconfig.ts';

const {
  HTTP2_HEADER_METHOD,
  HTTP2_HEADER_PATH,
  HTTP2_HEADER_STATUS,
  HTTP2_HEADER_CONTENT_TYPE,
  HTTP2_HEADER_ACCEPT,
  HTTP2_HEADER_AUTHORIZATION,
  HTTP2_HEADER_USER_AGENT,
} = constants;

/** One request. */
export interface RestRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path without the query, e.g. `/api/v1/namespaces/default/pods`. */
  path: string;
  query?: URLSearchParams;
  /** Sent as JSON unless a string (sent as is). */
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
}

/** Error codes of a connection that never carried the request. */
const NOT_CONNECTED = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * A stream the server closed (RST_STREAM NO_ERROR, or a GOAWAY) before it answered or before
 * the end of its answer: node emits only 'close' then, with no 'error', so without this the
 * request would wait forever.
 */
const STREAM_CLOSED = 'ERR_SKIFF_HTTP2_STREAM_CLOSED';

/** Error codes of a broken connection or stream. */
const NETWORK = new Set([
  ...NOT_CONNECTED,
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ERR_HTTP2_GOAWAY_SESSION',
  'ERR_HTTP2_SESSION_ERROR',
  'ERR_HTTP2_STREAM_ERROR',
  'ERR_HTTP2_STREAM_CANCEL',
  STREAM_CLOSED,
  'ERR_HTTP2_INVALID_SESSION',
  'ERR_HTTP2_ERROR',
]);

function streamClosedError(stream: ClientHttp2Stream, what: string): Error {
  return Object.assign(
    new Error(`the server closed the stream ${what} (RST_STREAM code ${String(stream.rstCode)})`),
    { code: STREAM_CLOSED },
  );
}

function errCode(err: unknown): string {
  const c = (err as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : '';
}

/** The Status reason upstream's client assumes for a status code without a Status body. */
function reasonForCode(code: number): string {
  switch (code) {
    case 400:
      return 'BadRequest';
    case 401:
      return 'Unauthorized';
    case 403:
      return 'Forbidden';
    case 404:
      return 'NotFound';
    case 405:
      return 'MethodNotAllowed';
    case 409:
      return 'Conflict';
    case 410:
      return 'Gone';
    case 415:
      return 'UnsupportedMediaType';
    case 422:
      return 'Invalid';
    case 429:
      return 'TooManyRequests';
    case 504:
      return 'Timeout';
    default:
      return code >= 500 ? 'InternalError' : 'Unknown';
  }
}

/** The StatusError of a non-2xx answer: its Status body, else one built from the code. */
export function statusErrorOf(code: number, text: string): StatusError {
  try {
    const body = JSON.parse(text) as ConstructorParameters<typeof StatusError>[0];
    if (body.kind === 'Status') {
      return new StatusError({ ...body, code });
    }
  } catch {
    // Not JSON: built below.
  }
  const message =
    text.trim() !== ''
      ? text.trim()
      : `the server responded with the status code ${String(code)} but did not return more information`;
  return new StatusError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: reasonForCode(code),
    code,
  });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}

/** The HTTP/2 transport; see the module comment. */
export class Transport {
  private session: ClientHttp2Session | undefined;
  private readonly maxRetries: number;
  private closed = false;

  constructor(
    readonly config: RestConfig,
    opts: { maxRetries?: number } = {},
  ) {
    this.maxRetries = opts.maxRetries ?? 10;
  }

  /** Closes the session; in-flight requests and watches end with an error. */
  close(): void {
    this.closed = true;
    this.session?.close();
    this.session = undefined;
  }

  private connection(): ClientHttp2Session {
    const s = this.session;
    if (s !== undefined && !s.closed && !s.destroyed) return s;
    const c = this.config;
    // A kubeconfig without a CA means the default roots.
    const ca = c.ca ?? defaultTrustedCAs();
    const session = connect(c.server, {
      ...(ca === undefined ? {} : { ca }),
      ...(c.cert === undefined ? {} : { cert: c.cert }),
      ...(c.key === undefined ? {} : { key: c.key }),
      rejectUnauthorized: c.insecureSkipTlsVerify !== true,
    });
    const drop = (): void => {
      if (this.session === session) this.session = undefined;
    };
    session.on('close', drop);
    session.on('goaway', drop);
    // Errors surface on the streams; an idle session's error must not crash the process.
    session.on('error', drop);
    // An idle connection must not keep a process alive.
    session.unref();
    this.session = session;
    return session;
  }

  private headers(req: RestRequest, accept: string): Record<string, string> {
    const h: Record<string, string> = {
      [HTTP2_HEADER_METHOD]: req.method,
      [HTTP2_HEADER_PATH]: `${req.path}${req.query !== undefined && req.query.size > 0 ? `?${req.query.toString()}` : ''}`,
      [HTTP2_HEADER_ACCEPT]: accept,
      [HTTP2_HEADER_USER_AGENT]: this.config.userAgent ?? 'skiff/v1.32.0 (linux/amd64) skiff',
    };
    if (this.config.token !== undefined)
      h[HTTP2_HEADER_AUTHORIZATION] = `Bearer ${this.config.token}`;
    if (req.body !== undefined)
      h[HTTP2_HEADER_CONTENT_TYPE] = req.contentType ?? 'application/json';
    return h;
  }

  /** Opens a stream and resolves its response headers. */
  private open(
    req: RestRequest,
    accept: string,
  ): Promise<{ stream: ClientHttp2Stream; headers: IncomingHttpHeaders }> {
    if (this.closed) return Promise.reject(new Error('the client is closed'));
    return new Promise((resolve, reject) => {
      let stream: ClientHttp2Stream;
      try {
        stream = this.connection().request(this.headers(req, accept), {
          // Node ends GET/HEAD/DELETE streams at once by default; a DELETE may carry options.
          endStream: req.body === undefined,
          ...(req.signal === undefined ? {} : { signal: req.signal }),
        });
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      const onClose = (): void => {
        reject(streamClosedError(stream, 'before answering'));
      };
      stream.once('response', (headers) => {
        stream.off('error', reject);
        stream.off('close', onClose);
        resolve({ stream, headers });
      });
      stream.once('error', reject);
      stream.once('close', onClose);
      if (req.body !== undefined)
        stream.end(typeof req.body === 'string' ? req.body : JSON.stringify(req.body));
    });
  }

  private static readAll(stream: ClientHttp2Stream): Promise<string> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      let ended = false;
      stream.once('end', () => {
        ended = true;
        resolve(Buffer.concat(chunks).toString('utf8'));
      });
      stream.once('error', reject);
      stream.once('close', () => {
        if (!ended) reject(streamClosedError(stream, 'before the end of its answer'));
      });
    });
  }

  /**
   * Sends `req` and resolves the decoded JSON answer (undefined for an empty body). Rejects
   * with a StatusError for a non-2xx answer, or with the network error once retries are spent.
   */
  async request(req: RestRequest): Promise<unknown> {
    let delay = 200;
    for (let attempt = 0; ; attempt++) {
      let code: number;
      let text: string;
      let retryAfter: string | undefined;
      try {
        const { stream, headers } = await this.open(req, 'application/json');
        code = Number(headers[HTTP2_HEADER_STATUS] ?? 0);
        const ra = headers['retry-after'];
        retryAfter = typeof ra === 'string' ? ra : undefined;
        text = await Transport.readAll(stream);
      } catch (err) {
        const c = errCode(err);
        const safe = req.method === 'GET' || NOT_CONNECTED.has(c);
        if (
          req.signal?.aborted === true ||
          !NETWORK.has(c) ||
          !safe ||
          attempt >= this.maxRetries
        ) {
          throw err;
        }
        await sleep(delay, req.signal);
        delay = Math.min(delay * 2, 5_000);
        continue;
      }
      if (code >= 200 && code < 300) return text === '' ? undefined : (JSON.parse(text) as unknown);
      const seconds = retryAfter === undefined ? NaN : Number(retryAfter);
      if ((code === 429 || code >= 500) && Number.isFinite(seconds) && attempt < this.maxRetries) {
        await sleep(Math.max(seconds, 0) * 1000, req.signal);
        if (req.signal?.aborted !== true) continue;
      }
      throw statusErrorOf(code, text);
    }
  }

  /**
   * Opens a watch (or any streaming GET) and yields its newline-delimited JSON values until the
   * server ends the stream or `signal` aborts. A non-2xx answer rejects with its StatusError.
   */
  async *streamJson(req: RestRequest): AsyncGenerator<unknown, void, undefined> {
    let opened: { stream: ClientHttp2Stream; headers: IncomingHttpHeaders };
    try {
      opened = await this.open(req, 'application/json');
    } catch (err) {
      if (req.signal?.aborted === true) return;
      throw err;
    }
    const { stream, headers } = opened;
    const code = Number(headers[HTTP2_HEADER_STATUS] ?? 0);
    if (code < 200 || code > 299) throw statusErrorOf(code, await Transport.readAll(stream));
    let buffered = '';
    try {
      for await (const chunk of stream) {
        buffered += (chunk as Buffer).toString('utf8');
        let nl = buffered.indexOf('\n');
        while (nl >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          if (line !== '') yield JSON.parse(line) as unknown;
          nl = buffered.indexOf('\n');
        }
      }
      if (buffered.trim() !== '') yield JSON.parse(buffered) as unknown;
    } catch (err) {
      if (req.signal?.aborted === true || errCode(err) === 'ABORT_ERR') return;
      throw err;
    } finally {
      stream.destroy();
    }
  }
}
