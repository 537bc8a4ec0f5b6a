/**
 * Response writing shared by the handlers: JSON bodies, Status errors, and request bodies with
 * a size limit. Works with both HTTP/1.1 and HTTP/2 compatibility request/response objects.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import {
  StatusError,
  newBadRequest,
  newInternalError,
  newRequestEntityTooLarge,
  statusFromError,
} from '../../api/index.ts';

/** The subset of Node's ServerResponse / Http2ServerResponse the server uses. */
export interface Response {
  statusCode: number;
  setHeader(name: string, value: string | number | readonly string[]): unknown;
  writeHead(status: number, headers?: Record<string, string | number>): unknown;
  write(chunk: string | Uint8Array): boolean;
  end(chunk?: string | Uint8Array): unknown;
  readonly headersSent: boolean;
  readonly writableEnded: boolean;
  on(event: 'close' | 'drain', listener: () => void): unknown;
  once(event: 'close' | 'drain', listener: () => void): unknown;
  off(event: 'close' | 'drain', listener: () => void): unknown;
  /** Sends the queued headers now (HTTP/1.1; absent on the HTTP/2 compatibility response). */
  flushHeaders?(): void;
}

/** The subset of Node's IncomingMessage / Http2ServerRequest the server uses. */
export interface Request extends AsyncIterable<unknown> {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly headers: IncomingHttpHeaders;
  /** Header names and values as received, in order (repeated headers stay separate). */
  readonly rawHeaders?: readonly string[];
  on(event: 'close' | 'aborted', listener: () => void): unknown;
}

export function sendJSON(
  res: Response,
  code: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendText(
  res: Response,
  code: number,
  text: string,
  contentType = 'text/plain; charset=utf-8',
): void {
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Writes any error as a Kubernetes Status (5xx only for server faults). */
export function sendError(res: Response, err: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const se =
    err instanceof StatusError ? err : newInternalError(err instanceof Error ? err : String(err));
  const status = se instanceof StatusError ? se.status : statusFromError(err);
  const headers: Record<string, string> = {};
  const retry = status.details?.retryAfterSeconds;
  if (retry !== undefined && retry > 0) headers['Retry-After'] = String(retry);
  sendJSON(res, status.code ?? 500, status, headers);
}

/** Largest request body accepted (Kubernetes' 3 MiB limit). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** Reads the request body; 413 RequestEntityTooLarge past `limit` (the rest is not read). */
/** What an audit record keeps of a request body (see audit/event.ts RequestAudit). */
export interface BodyAudit {
  logRequestObject(obj: unknown): void;
  logRequestPatch(patch: Uint8Array | string): void;
  /** Decodes a Kubernetes protobuf body (kubectl's typed clients send them). */
  decodeProtobuf(body: Uint8Array): unknown;
  /** Adds an annotation to the request's audit event (admission's audit annotations). */
  addAnnotation(key: string, value: string): void;
}

/** Requests whose audit level records the request body (set by the handler). */
export const bodyAudits = new WeakMap<object, BodyAudit>();

function auditBody(req: Request, body: Buffer, type: string): void {
  const audit = bodyAudits.get(req);
  if (audit === undefined || body.length === 0) return;
  if (type.includes('patch')) {
    audit.logRequestPatch(body);
  } else if (type.includes('protobuf')) {
    try {
      audit.logRequestObject(audit.decodeProtobuf(body));
    } catch {
      // A malformed body is refused by the decoder; the audit record keeps no object.
    }
  } else if (type.includes('json') || type === '') {
    try {
      audit.logRequestObject(JSON.parse(body.toString('utf8')));
    } catch {
      // A malformed body is refused by the decoder; the audit record keeps no object.
    }
  }
}

export async function readBody(req: Request, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) throw newRequestEntityTooLarge(`limit is ${String(limit)}`);
  const body =
    req instanceof Readable ? await readStream(req, limit) : await readIterable(req, limit);
  const type = req.headers['content-type'] ?? '';
  // The nesting cannot exceed the byte count: only a long body needs the scan.
  if (
    !type.includes('protobuf') &&
    body.length > MAX_NESTING_DEPTH &&
    nestingDepth(body) > MAX_NESTING_DEPTH
  ) {
    throw newBadRequest(
      `the request body is nested more than ${String(MAX_NESTING_DEPTH)} levels deep`,
    );
  }
  auditBody(req, body, type);
  return body;
}

/**
 * A request stream's bytes through its events: every write's body is read, and an async
 * iterator (an async generator and a promise per chunk) cost ~3% of a small update's CPU.
 * Over the limit, the rest of the body is read and dropped while the 413 goes out.
 */
function readStream(req: Readable, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: unknown): void => {
      const buf: Buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      size += buf.length;
      if (size > limit) {
        cleanup();
        req.resume();
        reject(newRequestEntityTooLarge(`limit is ${String(limit)}`));
        return;
      }
      chunks.push(buf);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    // Closed before the end (the client went away): what `for await` reports.
    const onClose = (): void => {
      cleanup();
      reject(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    };
    if (req.readableEnded) {
      resolve(Buffer.alloc(0));
      return;
    }
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

async function readIterable(req: AsyncIterable<unknown>, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf: Buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    size += buf.length;
    if (size > limit) throw newRequestEntityTooLarge(`limit is ${String(limit)}`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/** Deepest JSON nesting accepted (upstream's decoder limit). */
export const MAX_NESTING_DEPTH = 10_000;

/**
 * The deepest `{`/`[` nesting in a JSON (or flow-style YAML) text, ignoring brackets inside
 * double-quoted strings. Linear and iterative, so hostile input cannot exhaust the stack
 * before the decoders see it.
 */
export function nestingDepth(body: Uint8Array): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}
