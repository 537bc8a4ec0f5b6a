/**
 * The wiring of `skiff server` in process, with a stand-in API server (an HTTPS server that
 * checks client certificates and answers /version), so that the data dir, datastore, PKI, TLS
 * and kubeconfig path is tested with the real kubectl independently of the real API server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:https';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openStorage } from '../storage/index.ts';
import { runServer } from './server.ts';
import type { CommandIo, RunServerOptions } from './server.ts';
import type { ServerFlags } from './server-flags.ts';

const run = promisify(execFile);

const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0',
  gitCommit: '',
  gitTreeState: 'clean',
  buildDate: '2025-01-01T00:00:00Z',
  goVersion: 'go1.23',
  compiler: 'gc',
  platform: 'linux/amd64',
};

/** A stand-in for startApiServer: /version for callers with a client certificate of the CA. */
const fakeApiServer: NonNullable<RunServerOptions['startApiServer']> = async (opts) => {
  const seen: string[] = [];
  const server = createServer(
    {
      cert: opts.tls.certPem,
      key: opts.tls.keyPem,
      ca: opts.tls.caPem,
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      const socket = req.socket;
      if (!(socket instanceof TLSSocket) || !socket.authorized) {
        res.writeHead(401).end();
        return;
      }
      seen.push(String(socket.getPeerCertificate().subject.CN));
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(req.url?.startsWith('/version') === true ? SERVER_VERSION : {}));
    },
  );
  server.listen(opts.port, opts.bindAddress);
  await Promise.race([
    once(server, 'listening'),
    once(server, 'error').then(([err]) => Promise.reject(err as Error)),
  ]);
  // Touch the storage the way the real server does, so a closed store would show.
  await opts.storage.currentResourceVersion();
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.close();
      server.closeAllConnections();
      await once(server, 'close');
    },
  };
};

/** Collects output lines and resolves `ready` at "Kubeconfig written to". */
function captureIo(): { io: CommandIo; out: string[]; err: string[]; ready: Promise<void> } {
  const out: string[] = [];
  const err: string[] = [];
  let resolveReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    resolveReady = resolve;
  });
  return {
    out,
    err,
    ready,
    io: {
      out: (line) => {
        out.push(line);
        if (line.startsWith('Kubeconfig written to')) resolveReady();
      },
      err: (line) => {
        err.push(line);
      },
    },
  };
}

const flags = (dataDir: string, extra: Partial<ServerFlags> = {}): ServerFlags => ({
  dataDir,
  bindAddress: '127.0.0.1',
  port: 0,
  datastoreEndpoint: undefined,
  ...extra,
});

let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'skiff-server-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('runServer wiring', () => {
  it('serves kubectl with the written kubeconfig, then shuts down and releases the store', async () => {
    const dataDir = join(root, 'one');
    const stop = new AbortController();
    const cap = captureIo();
    const exit = runServer(flags(dataDir), {
      verb: 'server',
      io: cap.io,
      signal: stop.signal,
      startApiServer: fakeApiServer,
    });
    try {
      await cap.ready;
      const kubeconfig = join(dataDir, 'kubeconfig.yaml');
      assert.ok(cap.out.includes(`Kubeconfig written to ${kubeconfig}`));
      assert.ok(cap.out.includes(`  export KUBECONFIG=${kubeconfig}`));
      assert.ok(cap.out.includes(`Generated the cluster CA in ${join(dataDir, 'pki')}`));
      assert.match(cap.out.join('\n'), /listening on https:\/\/127\.0\.0\.1:\d+ .*ready in \d+ ms/);
      assert.equal((await stat(kubeconfig)).mode & 0o777, 0o600);
      assert.equal((await stat(dataDir)).mode & 0o777, 0o700);

      const { stdout } = await run(
        'kubectl',
        ['--kubeconfig', kubeconfig, 'version', '-o', 'json'],
        {
          timeout: 30_000,
        },
      );
      const version = JSON.parse(stdout) as { serverVersion?: { gitVersion?: string } };
      assert.equal(version.serverVersion?.gitVersion, 'v1.32.0');
    } finally {
      stop.abort();
    }
    assert.equal(await exit, 0);
    assert.deepEqual(cap.err, []);
    // The SQLite lock was released: the store opens again.
    const storage = await openStorage(`sqlite://${join(dataDir, 'state.db')}`);
    await storage.close();
  });

  it('fails with one line when the data dir is in use by another server', async () => {
    const dataDir = join(root, 'locked');
    const stop = new AbortController();
    const first = captureIo();
    const exit = runServer(flags(dataDir), {
      verb: 'server',
      io: first.io,
      signal: stop.signal,
      startApiServer: fakeApiServer,
    });
    try {
      await first.ready;
      const second = captureIo();
      const code = await runServer(flags(dataDir), {
        verb: 'server',
        io: second.io,
        startApiServer: fakeApiServer,
      });
      assert.equal(code, 1);
      assert.equal(second.err.length, 1);
      assert.match(
        second.err[0] ?? '',
        /^skiff server: error: the data file .*state\.db is locked/,
      );
    } finally {
      stop.abort();
    }
    assert.equal(await exit, 0);
  });

  it('fails with one line for a bad datastore endpoint', async () => {
    const cap = captureIo();
    const code = await runServer(flags(join(root, 'dsn'), { datastoreEndpoint: 'bogus://x' }), {
      verb: 'up',
      io: cap.io,
      startApiServer: fakeApiServer,
    });
    assert.equal(code, 1);
    assert.deepEqual(cap.err.length, 1);
    assert.match(
      cap.err[0] ?? '',
      /^skiff up: error: invalid datastore endpoint "bogus:\/\/x": unknown scheme/,
    );
  });

  it('fails with one line when the port is in use, and closes the store', async () => {
    const blocker = createTcpServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const port = (blocker.address() as AddressInfo).port;
    const dataDir = join(root, 'port');
    try {
      const cap = captureIo();
      const code = await runServer(flags(dataDir, { port }), {
        verb: 'server',
        io: cap.io,
        startApiServer: fakeApiServer,
      });
      assert.equal(code, 1);
      assert.deepEqual(cap.err, [
        `skiff server: error: cannot listen on 127.0.0.1:${String(port)}: the address is already in use (another Skiff or API server?); choose another --port`,
      ]);
    } finally {
      blocker.close();
    }
    const storage = await openStorage(`sqlite://${join(dataDir, 'state.db')}`);
    await storage.close();
  });

  it('uses the datastore endpoint it is given instead of SQLite in the data dir', async () => {
    const dataDir = join(root, 'memory');
    const stop = new AbortController();
    const cap = captureIo();
    const exit = runServer(flags(dataDir, { datastoreEndpoint: 'memory://' }), {
      verb: 'server',
      io: cap.io,
      signal: stop.signal,
      startApiServer: fakeApiServer,
    });
    await cap.ready;
    stop.abort();
    assert.equal(await exit, 0);
    assert.match(cap.out.join('\n'), /datastore memory:\/\//);
    await assert.rejects(stat(join(dataDir, 'state.db')), { code: 'ENOENT' });
  });
});
