// The probe executors and hook runner against loopback servers this test starts (node:http,
// node:https, node:net, node:http2). Loopback only; every server is closed in `after`.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { createCA, issueCertificate } from '../../api/index.ts';
import {
  GRPC_CODE_NAMES,
  HEALTH_CHECK_PATH,
  encodeHealthCheckResponse,
  frameGrpcMessage,
} from './grpc-health.ts';
import { runLifecycleHook } from './hooks.ts';
import { execProbe, grpcProbe, httpProbe, runProbe, tcpProbe } from './probe-executors.ts';
import type { ExecRunner } from './probe-executors.ts';
import { httpProbeRequest } from './probe-spec.ts';
import type { ProbeRequest } from './prober.ts';

const HOST = '127.0.0.1';
const container: Container = { name: 'c' };
const seen: http.IncomingHttpHeaders[] = [];
let httpPort = 0;
let httpsPort = 0;
let tcpPort = 0;
let closedPort = 0;
let grpcPort = 0;
const closers: (() => Promise<void>)[] = [];

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, HOST, () => {
      resolve((server.address() as AddressInfo).port);
    });
  });
}
function close(server: net.Server | http.Server): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      server.close(() => {
        resolve();
      });
      if ('closeAllConnections' in server) server.closeAllConnections();
    });
}

function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  seen.push(req.headers);
  const url = req.url ?? '/';
  if (url === '/ok') {
    res.end('fine');
  } else if (url === '/fail') {
    res.statusCode = 500;
    res.end('secret');
  } else if (url === '/same-host') {
    res.writeHead(302, { Location: '/ok' }).end();
  } else if (url === '/other-host') {
    res.writeHead(302, { Location: `http://localhost:${httpPort}/ok` }).end('see other');
  } else if (url.startsWith('/loop')) {
    const n = Number(url.slice(5) || '0');
    res.writeHead(302, { Location: `/loop${n + 1}` }).end();
  } else if (url === '/big') {
    res.end('x'.repeat(20 * 1024));
  } else if (url === '/slow') {
    // never answers
  } else {
    res.statusCode = 404;
    res.end();
  }
}

before(async () => {
  const h = http.createServer(handler);
  httpPort = await listen(h);
  closers.push(close(h));

  const ca = createCA({ commonName: 'probe-test-ca', validDays: 1 });
  const cert = issueCertificate(ca, {
    commonName: 'probe-test',
    ipAddresses: [HOST],
    usages: ['server'],
    validDays: 1,
  });
  const hs = https.createServer({ cert: cert.certPem, key: cert.keyPem }, handler);
  httpsPort = await listen(hs);
  closers.push(close(hs));

  const sockets = new Set<net.Socket>();
  const t = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  tcpPort = await listen(t);
  closers.push(() => {
    for (const s of sockets) s.destroy();
    return close(t)();
  });

  const c = net.createServer();
  closedPort = await listen(c);
  await close(c)();

  const g = http2.createServer();
  g.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (d: Buffer) => chunks.push(d));
    stream.on('end', () => {
      if (headers[':path'] !== HEALTH_CHECK_PATH) {
        stream.respond(
          {
            ':status': 200,
            'content-type': 'application/grpc',
            'grpc-status': '12',
            'grpc-message': 'unknown service',
          },
          { endStream: true },
        );
        return;
      }
      const body = Buffer.concat(chunks);
      const service = body.subarray(7).toString(); // 5-byte frame, tag, length
      if (service === 'slow') return;
      if (service === 'missing') {
        stream.respond(
          {
            ':status': 200,
            'content-type': 'application/grpc',
            'grpc-status': '12',
            'grpc-message': 'unknown%20service%20grpc.health.v1.Health',
          },
          { endStream: true },
        );
        return;
      }
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc' },
        { waitForTrailers: true },
      );
      stream.on('wantTrailers', () => {
        stream.sendTrailers({ 'grpc-status': '0' });
      });
      stream.end(
        Buffer.from(frameGrpcMessage(encodeHealthCheckResponse(service === 'down' ? 2 : 1))),
      );
    });
  });
  grpcPort = await listen(g);
  closers.push(
    () =>
      new Promise((resolve) => {
        g.close(() => {
          resolve();
        });
      }),
  );
});

after(async () => {
  for (const c of closers) await c();
});

const req = (path: string, port = httpPort, scheme: 'HTTP' | 'HTTPS' = 'HTTP') =>
  httpProbeRequest({ httpGet: { path, port, scheme } }, container, HOST);

describe('httpProbe', () => {
  it('succeeds on 200 and sends kube-probe headers', async () => {
    assert.deepEqual(await httpProbe(req('/ok'), 1000), { result: 'success', output: 'fine' });
    const h = seen.at(-1)!;
    assert.equal(h['user-agent'], 'kube-probe/1.32');
    assert.equal(h.accept, '*/*');
  });
  it('fails on 500 without the body', async () => {
    assert.deepEqual(await httpProbe(req('/fail'), 1000), {
      result: 'failure',
      output: 'HTTP probe failed with statuscode: 500',
    });
  });
  it('follows same-host redirects only', async () => {
    assert.deepEqual(await httpProbe(req('/same-host'), 1000), {
      result: 'success',
      output: 'fine',
    });
    assert.deepEqual(await httpProbe(req('/other-host'), 1000), {
      result: 'warning',
      output: 'Probe terminated redirects, Response body: see other',
    });
    assert.deepEqual(await httpProbe(req('/loop'), 2000), {
      result: 'failure',
      output: `Get "http://${HOST}:${httpPort}/loop10": stopped after 10 redirects`,
    });
  });
  it('reads at most 10 KiB of the body', async () => {
    const r = await httpProbe(req('/big'), 1000);
    assert.equal(r.result, 'success');
    assert.equal(r.output.length, 10 * 1024);
  });
  it('times out like Go', async () => {
    assert.deepEqual(await httpProbe(req('/slow'), 200), {
      result: 'failure',
      output: `Get "http://${HOST}:${httpPort}/slow": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
    });
  });
  it('reports a refused connection like Go', async () => {
    assert.deepEqual(await httpProbe(req('/ok', closedPort), 1000), {
      result: 'failure',
      output: `Get "http://${HOST}:${closedPort}/ok": dial tcp ${HOST}:${closedPort}: connect: connection refused`,
    });
  });
  it('speaks HTTPS without verifying the certificate', async () => {
    assert.deepEqual(await httpProbe(req('/ok', httpsPort, 'HTTPS'), 1000), {
      result: 'success',
      output: 'fine',
    });
  });
});

describe('tcpProbe', () => {
  it('succeeds when the port accepts', async () => {
    assert.deepEqual(await tcpProbe(`${HOST}:${tcpPort}`, 1000), { result: 'success', output: '' });
  });
  it('fails with the dial error', async () => {
    assert.deepEqual(await tcpProbe(`${HOST}:${closedPort}`, 1000), {
      result: 'failure',
      output: `dial tcp ${HOST}:${closedPort}: connect: connection refused`,
    });
  });
});

describe('grpcProbe', () => {
  const addr = () => `${HOST}:${grpcPort}`;
  it('is healthy when SERVING', async () => {
    assert.deepEqual(await grpcProbe(addr(), '', 1000), {
      result: 'success',
      output: 'service healthy',
    });
  });
  it('fails when NOT_SERVING', async () => {
    assert.deepEqual(await grpcProbe(addr(), 'down', 1000), {
      result: 'failure',
      output: 'service unhealthy (responded with "NOT_SERVING")',
    });
  });
  it('reports Unimplemented', async () => {
    assert.equal(GRPC_CODE_NAMES[12], 'Unimplemented');
    assert.deepEqual(await grpcProbe(addr(), 'missing', 1000), {
      result: 'failure',
      output:
        'error: this server does not implement the grpc health protocol (grpc.health.v1.Health): unknown service grpc.health.v1.Health',
    });
  });
  it('times out', async () => {
    assert.deepEqual(await grpcProbe(addr(), 'slow', 200), {
      result: 'failure',
      output: 'timeout: health rpc did not complete within 200ms',
    });
  });
  it('fails to connect', async () => {
    const r = await grpcProbe(`${HOST}:${closedPort}`, '', 1000);
    assert.equal(r.result, 'failure');
    assert.equal(
      r.output,
      `error: health rpc probe failed: rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp ${HOST}:${closedPort}: connect: connection refused"`,
    );
  });
});

describe('execProbe and runProbe', () => {
  const runner: ExecRunner = (_id, command) => {
    const cmd = command.join(' ');
    if (cmd === 'true') return Promise.resolve({ exitCode: 0, output: '' });
    if (cmd === 'slow') return Promise.resolve({ timedOut: true });
    if (cmd === 'broken') return Promise.reject(new Error('container not running'));
    return Promise.resolve({ exitCode: 1, output: 'nope\n' });
  };
  it('maps exit codes, timeouts and errors', async () => {
    assert.deepEqual(await execProbe(runner, 'runc://x', ['true'], 1000), {
      result: 'success',
      output: '',
    });
    assert.deepEqual(await execProbe(runner, 'runc://x', ['false'], 1000), {
      result: 'failure',
      output: 'nope\n',
    });
    assert.deepEqual(await execProbe(runner, 'runc://x', ['slow'], 1000), {
      result: 'failure',
      output: 'command "slow" timed out',
    });
  });
  it('dispatches by handler and retries errors three times', async () => {
    let calls = 0;
    const counting: ExecRunner = (id, cmd, t) => {
      calls++;
      return runner(id, cmd, t);
    };
    const base: Omit<ProbeRequest, 'probe'> = {
      type: 'liveness',
      containerName: 'c',
      containerID: 'runc://x',
      container: { name: 'c', ports: [{ name: 'web', containerPort: httpPort }] },
      podIP: HOST,
    };
    const r = await runProbe(
      { ...base, probe: { exec: { command: ['broken'] } } },
      { exec: counting },
    );
    assert.equal(calls, 3);
    assert.deepEqual(r, { result: 'unknown', output: '', error: 'container not running' });
    assert.deepEqual(
      await runProbe({ ...base, probe: { httpGet: { port: 'web', path: '/ok' } } }),
      {
        result: 'success',
        output: 'fine',
      },
    );
    assert.deepEqual(await runProbe({ ...base, probe: { tcpSocket: { port: tcpPort } } }), {
      result: 'success',
      output: '',
    });
    assert.deepEqual(await runProbe({ ...base, probe: { grpc: { port: grpcPort } } }), {
      result: 'success',
      output: 'service healthy',
    });
    assert.deepEqual(await runProbe({ ...base, probe: { httpGet: { port: 'nope' } } }), {
      result: 'unknown',
      output: '',
      error: 'strconv.Atoi: parsing "nope": invalid syntax',
    });
  });
});

describe('runLifecycleHook', () => {
  const pod: Pod = { metadata: { name: 'web', namespace: 'default', uid: 'u' } };
  const ctx = {
    pod,
    container: { name: 'app' },
    containerID: 'runc://x',
    podIP: HOST,
    timeoutMs: 1000,
  };
  it('passes an HTTP hook whatever the status code, fails on a transport error', async () => {
    assert.deepEqual(await runLifecycleHook({ httpGet: { path: '/fail', port: httpPort } }, ctx), {
      ok: true,
    });
    const r = await runLifecycleHook({ httpGet: { path: '/x', port: closedPort } }, ctx);
    assert.deepEqual(r, {
      ok: false,
      message: `HTTP lifecycle hook (/x) for Container "app" in Pod "web_default(u)" failed - error: Get "http://${HOST}:${closedPort}/x": dial tcp ${HOST}:${closedPort}: connect: connection refused`,
    });
  });
  it('fails an exec hook with a non-zero exit', async () => {
    const exec: ExecRunner = () => Promise.resolve({ exitCode: 1, output: 'boom' });
    const r = await runLifecycleHook(
      { exec: { command: ['sh', '-c', 'exit 1'] } },
      { ...ctx, exec },
    );
    assert.deepEqual(r, {
      ok: false,
      message:
        'Exec lifecycle hook ([sh -c exit 1]) for Container "app" in Pod "web_default(u)" failed - error: command \'sh -c exit 1\' exited with 1: boom, message: "boom"',
    });
  });
  it('sleeps', async () => {
    const start = Date.now();
    assert.deepEqual(await runLifecycleHook({ sleep: { seconds: 5 } }, { ...ctx, timeoutMs: 50 }), {
      ok: true,
    });
    assert.ok(Date.now() - start < 1000);
  });
});
