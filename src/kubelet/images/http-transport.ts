/**
 * The thin HTTP adapter of the distribution client over node:http and node:https: one request
 * in, status/headers/body stream out, no redirects followed (the client decides, because a blob
 * redirect to another host must drop the Authorization header). Keep-alive agents reuse
 * connections across the many requests of a pull.
 */
import http from 'node:http';
import https from 'node:https';
import { defaultTrustedCAs } from '../../util/host/tls-roots.ts';
import type { RegistryRequest, RegistryResponse, RegistryTransport } from './distribution.ts';

/** Options of the node transport. */
export interface NodeTransportOptions {
  /** Extra CA certificates (PEM) for registries with a private CA. */
  ca?: string | Buffer | (string | Buffer)[];
  /** Milliseconds without a response or body data before a request fails (default 60 s). */
  timeoutMs?: number;
  /** Maximum sockets per registry host (default 8). */
  maxSockets?: number;
}

/** A RegistryTransport over node:http/https (see the module comment). */
export function nodeTransport(options: NodeTransportOptions = {}): RegistryTransport & {
  close(): void;
} {
  const maxSockets = options.maxSockets ?? 8;
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets });
  const ca = options.ca ?? defaultTrustedCAs();
  const httpsAgent = new https.Agent({
    keepAlive: true,
    maxSockets,
    // Registries are verified against the default roots unless told otherwise.
    ...(ca !== undefined ? { ca } : {}),
  });
  const timeoutMs = options.timeoutMs ?? 60_000;
  return {
    request(req: RegistryRequest, signal?: AbortSignal): Promise<RegistryResponse> {
      return new Promise((resolve, reject) => {
        const url = new URL(req.url);
        const isHttps = url.protocol === 'https:';
        const mod = isHttps ? https : http;
        const headers: Record<string, string> = { 'user-agent': 'skiff', ...req.headers };
        if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
        const r = mod.request(
          url,
          {
            method: req.method,
            headers,
            agent: isHttps ? httpsAgent : httpAgent,
            ...(signal !== undefined ? { signal } : {}),
          },
          (res) => {
            res.setTimeout(timeoutMs, () => {
              res.destroy(new Error(`registry ${url.host}: no data for ${timeoutMs} ms`));
            });
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: res,
              discard: () => {
                res.resume();
              },
            });
          },
        );
        r.setTimeout(timeoutMs, () => {
          r.destroy(new Error(`registry ${url.host}: no response for ${timeoutMs} ms`));
        });
        r.on('error', reject);
        r.end(req.body);
      });
    },
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
