import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Duplex } from 'node:stream';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { formatCriLogLine } from '../lifecycle/index.ts';
import { KubeletServer } from './server.ts';
import { KubeletServerError } from './types.ts';
import type { ContainerStreams, KubeletServerBackend } from './types.ts';
import type { RequestAttributes } from './auth.ts';
import { PortForwardClient, spdyExec, webSocketExec } from './testing.ts';
import { WebSocket } from 'ws';

const POD: Pod = {
  metadata: { namespace: 'default', name: 'web', uid: 'uid-1' },
  spec: { containers: [{ name: 'main', image: 'busybox' }] },
};

/** A fake backend: a tiny shell and a log file, port-forward to loopback TCP. */
class FakeBackend implements KubeletServerBackend {
  readonly nodeName = 'node-a';
  logPath = '';
  running = true;
  attachOutput = 'attached\n';
  readonly stats = {
    summary: (only: boolean) => Promise.resolve({ node: { nodeName: 'node-a', only }, pods: [] }),
    resourceMetrics: () => Promise.resolve('# HELP node_cpu_usage_seconds_total x\n'),
  };

  listPods(): Pod[] {
    return [POD];
  }

  getPodByName(ns: string, name: string): Pod | undefined {
    return ns === 'default' && name === 'web' ? POD : undefined;
  }

  containerLogs(_pod: Pod, container: string): Promise<{ path: string; isRunning: () => boolean }> {
    if (container !== 'main') throw new KubeletServerError(400, 'unexpected');
    return Promise.resolve({ path: this.logPath, isRunning: () => this.running });
  }

  async exec(
    _pod: Pod,
    _uid: string | undefined,
    _container: string,
    cmd: readonly string[],
    s: ContainerStreams,
  ): Promise<{ exitCode: number }> {
    const [prog, ...args] = cmd;
    switch (prog) {
      case 'echo':
        s.stdout?.write(args.join(' ') + '\n');
        return { exitCode: 0 };
      case 'fail':
        s.stderr?.write('oops\n');
        return { exitCode: Number(args[0] ?? 1) };
      case 'cat': {
        const input = s.stdin;
        if (input === undefined) return { exitCode: 0 };
        await new Promise<void>((resolve) => {
          input.on('data', (c: Buffer) => s.stdout?.write(c));
          input.once('end', resolve);
        });
        return { exitCode: 0 };
      }
      case 'size': {
        // Reports the first terminal size it receives.
        const first = await s.resize?.next();
        s.stdout?.write(`${first?.width ?? 0}x${first?.height ?? 0}\n`);
        return { exitCode: 0 };
      }
      case 'boom':
        throw new Error('runtime exploded');
      default:
        return { exitCode: 127 };
    }
  }

  attach(_p: Pod, _u: string | undefined, _c: string, s: ContainerStreams): Promise<void> {
    s.stdout?.write(this.attachOutput);
    return Promise.resolve();
  }

  async portForward(_p: Pod, _u: string | undefined, port: number, stream: Duplex): Promise<void> {
    const sock = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', resolve);
      sock.once('error', (err) => {
        reject(
          new Error(`failed to connect to localhost:${port} inside namespace "x": ${err.message}`),
        );
      });
    });
    await new Promise<void>((resolve) => {
      stream.pipe(sock);
      sock.pipe(stream);
      sock.once('close', () => {
        resolve();
      });
    });
  }
}

describe('kubelet server', () => {
  const backend = new FakeBackend();
  const server = new KubeletServer({ backend, streamCreationTimeoutMs: 2000 });
  let base = '';
  let ws = '';
  let dir = '';
  let echo: net.Server;
  let echoPort = 0;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kubelet-server-'));
    backend.logPath = path.join(dir, '0.log');
    await fs.writeFile(
      backend.logPath,
      formatCriLogLine('2024-01-01T00:00:00.000000001Z', 'stdout', false, 'line one') +
        formatCriLogLine('2024-01-01T00:00:01.000000001Z', 'stderr', false, 'line two'),
    );
    const addr = await server.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${addr.port}`;
    ws = `ws://127.0.0.1:${addr.port}`;
    echo = net.createServer((c) => {
      c.pipe(c);
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    echoPort = (echo.address() as net.AddressInfo).port;
  });

  after(async () => {
    await server.close();
    await new Promise<void>((r) =>
      echo.close(() => {
        r();
      }),
    );
    await fs.rm(dir, { recursive: true, force: true });
  });

  test('healthz, pods, stats, metrics, 404', async () => {
    assert.equal(await (await fetch(`${base}/healthz`)).text(), 'ok');
    const pods = (await (await fetch(`${base}/pods`)).json()) as { kind: string; items: Pod[] };
    assert.equal(pods.kind, 'PodList');
    assert.equal(pods.items[0]?.metadata?.name, 'web');
    const summary = (await (
      await fetch(`${base}/stats/summary?only_cpu_and_memory=true`)
    ).json()) as {
      node: { only: boolean };
    };
    assert.equal(summary.node.only, true);
    const m = await fetch(`${base}/metrics/resource`);
    assert.equal(m.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    assert.match(await m.text(), /node_cpu_usage_seconds_total/);
    const nf = await fetch(`${base}/nothing`);
    assert.equal(nf.status, 404);
    assert.equal(await nf.text(), '404 page not found\n');
  });

  test('containerLogs: timestamps, tail, errors as upstream', async () => {
    const r = await fetch(`${base}/containerLogs/default/web/main`);
    assert.equal(r.status, 200);
    assert.equal(await r.text(), 'line one\nline two\n');
    const t = await fetch(`${base}/containerLogs/default/web/main?tailLines=1&timestamps=true`);
    assert.equal(await t.text(), '2024-01-01T00:00:01.000000001Z line two\n');
    const legacy = await fetch(`${base}/containerLogs/default/web/main?tail=1`);
    assert.equal(await legacy.text(), 'line two\n');
    const lim = await fetch(`${base}/containerLogs/default/web/main?limitBytes=4`);
    assert.equal(await lim.text(), 'line');
    const nopod = await fetch(`${base}/containerLogs/default/nope/main`);
    assert.equal(nopod.status, 404);
    assert.equal(await nopod.text(), 'pod "nope" does not exist');
    const noc = await fetch(`${base}/containerLogs/default/web/side`);
    assert.equal(noc.status, 404);
    assert.equal(await noc.text(), 'container "side" not found in pod "web"');
    const bad = await fetch(`${base}/containerLogs/default/web/main?tailLines=x`);
    assert.equal(bad.status, 400);
    assert.equal(await bad.text(), '{"message": "Unable to decode query."}');
    const invalid = await fetch(`${base}/containerLogs/default/web/main?sinceSeconds=0`);
    assert.equal(invalid.status, 422);
    assert.equal(await invalid.text(), '{"message": "Invalid request."}');
  });

  test('containerLogs follow streams appended lines until the container stops', async () => {
    backend.running = true;
    // As upstream, headers go out with the first bytes: append while the request waits.
    const pending = fetch(`${base}/containerLogs/default/web/main?follow=true&tailLines=0`);
    await new Promise((r) => setTimeout(r, 100));
    await fs.appendFile(
      backend.logPath,
      formatCriLogLine('2024-01-01T00:00:02Z', 'stdout', false, 'line three'),
    );
    const res = await pending;
    const reader = res.body!.getReader();
    const first = await reader.read();
    assert.equal(Buffer.from(first.value).toString(), 'line three\n');
    backend.running = false;
    const rest = await reader.read();
    assert.equal(rest.done, true);
  });

  test('WebSocket v5 exec: stdout, exit code status, stdin with CLOSE, close 1000', async () => {
    const ok = await webSocketExec(
      `${ws}/exec/default/web/main?command=echo&command=hello&stdout=1&stderr=1`,
      'v5.channel.k8s.io',
    );
    assert.deepEqual(ok, {
      stdout: 'hello\n',
      stderr: '',
      error: '{"metadata":{},"status":"Success"}',
      closeCode: 1000,
    });
    const fail = await webSocketExec(
      `${ws}/exec/default/web/main?command=fail&command=3&stdout=true&stderr=true`,
      'v5.channel.k8s.io',
    );
    assert.equal(fail.stderr, 'oops\n');
    assert.deepEqual(JSON.parse(fail.error), {
      metadata: {},
      status: 'Failure',
      message:
        'command terminated with non-zero exit code: error executing command [fail 3], exit code 3',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
    const cat = await webSocketExec(
      `${ws}/exec/default/web/main?command=cat&stdin=1&stdout=1&stderr=1`,
      'v5.channel.k8s.io',
      { stdin: 'abc\n' },
    );
    assert.equal(cat.stdout, 'abc\n');
    assert.equal(cat.error, '{"metadata":{},"status":"Success"}');
  });

  test('WebSocket v4, base64 and legacy channel protocols', async () => {
    const v4 = await webSocketExec(
      `${ws}/exec/default/web/main?command=fail&command=2&stdout=1&stderr=1`,
      'v4.channel.k8s.io',
    );
    assert.equal((JSON.parse(v4.error) as { reason: string }).reason, 'NonZeroExitCode');
    const b64 = await webSocketExec(
      `${ws}/exec/default/web/main?command=echo&command=hi&stdout=1`,
      'v4.base64.channel.k8s.io',
    );
    assert.equal(b64.stdout, 'hi\n');
    // channel.k8s.io writes the error text, nothing on success.
    const legacy = await webSocketExec(
      `${ws}/exec/default/web/main?command=fail&command=1&stdout=1`,
      'channel.k8s.io',
    );
    assert.equal(
      legacy.error,
      'command terminated with non-zero exit code: error executing command [fail 1], exit code 1',
    );
    const legacyOk = await webSocketExec(
      `${ws}/exec/default/web/main?command=echo&stdout=1`,
      'channel.k8s.io',
    );
    assert.equal(legacyOk.error, '');
    await assert.rejects(
      webSocketExec(`${ws}/exec/default/web/main?command=echo&stdout=1`, 'v9.channel.k8s.io'),
      /HTTP 403/,
    );
  });

  test('exec errors before the upgrade: options, pod, container, runtime failure', async () => {
    await assert.rejects(
      webSocketExec(`${ws}/exec/default/web/main?command=echo`, 'v5.channel.k8s.io'),
      /HTTP 400: you must specify at least 1 of stdin, stdout, stderr/,
    );
    await assert.rejects(
      webSocketExec(`${ws}/exec/default/nope/main?command=echo&stdout=1`, 'v5.channel.k8s.io'),
      /HTTP 404: pod does not exist/,
    );
    await assert.rejects(
      webSocketExec(`${ws}/exec/default/web/side?command=echo&stdout=1`, 'v5.channel.k8s.io'),
      /HTTP 500: container not found \("side"\)/,
    );
    const boom = await webSocketExec(
      `${ws}/exec/default/web/uid-1/main?command=boom&stdout=1`,
      'v5.channel.k8s.io',
    );
    assert.deepEqual(JSON.parse(boom.error), {
      metadata: {},
      status: 'Failure',
      message:
        'Internal error occurred: error executing command in container: failed to exec in container: runtime exploded',
      reason: 'InternalError',
      details: {
        causes: [
          {
            message:
              'error executing command in container: failed to exec in container: runtime exploded',
          },
        ],
      },
      code: 500,
    });
  });

  test('tty resize over WebSocket (channel 4) and SPDY (resize stream)', async () => {
    const w = await webSocketExec(
      `${ws}/exec/default/web/main?command=size&stdin=1&stdout=1&tty=1`,
      'v5.channel.k8s.io',
      { resizes: [{ Width: 132, Height: 40 }] },
    );
    assert.equal(w.stdout, '132x40\n');
    const s = await spdyExec(
      `${base}/exec/default/web/main?command=size&stdin=1&stdout=1&tty=1`,
      ['v4.channel.k8s.io'],
      { stdin: true, stdout: true, stderr: false, tty: true },
      { resizes: [{ Width: 80, Height: 24 }] },
    );
    assert.equal(s.stdout, '80x24\n');
  });

  test('SPDY exec: protocol negotiation, stdin, exit code status by version', async () => {
    const all = [
      'v5.channel.k8s.io',
      'v4.channel.k8s.io',
      'v3.channel.k8s.io',
      'v2.channel.k8s.io',
      'channel.k8s.io',
    ];
    const r = await spdyExec(
      `${base}/exec/default/web/main?command=cat&stdin=1&stdout=1&stderr=1`,
      all,
      { stdin: true, stdout: true, stderr: true, tty: false },
      { stdin: 'spdy in\n' },
    );
    assert.equal(r.protocol, 'v5.channel.k8s.io');
    assert.equal(r.stdout, 'spdy in\n');
    assert.equal(r.error, '{"metadata":{},"status":"Success"}');
    const f = await spdyExec(
      `${base}/exec/default/web/main?command=fail&command=7&stdout=1&stderr=1`,
      ['v4.channel.k8s.io'],
      { stdin: false, stdout: true, stderr: true, tty: false },
    );
    assert.equal(f.stderr, 'oops\n');
    assert.deepEqual((JSON.parse(f.error) as { details: unknown }).details, {
      causes: [{ reason: 'ExitCode', message: '7' }],
    });
    const v2 = await spdyExec(
      `${base}/exec/default/web/main?command=fail&command=7&stdout=1`,
      ['v2.channel.k8s.io'],
      { stdin: false, stdout: true, stderr: false, tty: false },
    );
    assert.equal(v2.protocol, 'v2.channel.k8s.io');
    assert.match(v2.error, /^command terminated with non-zero exit code/);
    await assert.rejects(
      spdyExec(`${base}/exec/default/web/main?command=echo&stdout=1`, ['v9'], {
        stdin: false,
        stdout: true,
        stderr: false,
        tty: false,
      }),
      /HTTP 403: unable to upgrade: unable to negotiate protocol: client supports \[v9\]/,
    );
  });

  test('attach over WebSocket and SPDY', async () => {
    const w = await webSocketExec(
      `${ws}/attach/default/web/main?stdout=1&stderr=1`,
      'v5.channel.k8s.io',
    );
    assert.equal(w.stdout, 'attached\n');
    assert.equal(w.error, '{"metadata":{},"status":"Success"}');
    const s = await spdyExec(`${base}/attach/default/web/main?stdout=1`, ['v4.channel.k8s.io'], {
      stdin: false,
      stdout: true,
      stderr: false,
      tty: false,
    });
    assert.equal(s.stdout, 'attached\n');
  });

  test('SPDY port-forward to a TCP echo server, several connections, error stream', async () => {
    const pf = await PortForwardClient.spdy(`${base}/portForward/default/web`);
    assert.deepEqual(await pf.request(echoPort, 'ping 1'), { data: 'ping 1', error: '' });
    assert.deepEqual(await pf.request(echoPort, 'ping 2'), { data: 'ping 2', error: '' });
    const big = 'x'.repeat(300_000);
    assert.equal((await pf.request(echoPort, big)).data.length, big.length);
    const refused = await pf.request(1, 'nothing');
    assert.equal(refused.data, '');
    assert.match(
      refused.error,
      /^error forwarding port 1 to pod uid-1, uid : failed to connect to localhost:1 inside namespace/,
    );
    pf.close();
  });

  test('port-forward SPDY tunnelled in WebSocket (kubectl >= 1.31)', async () => {
    const pf = await PortForwardClient.tunnel(`${ws}/portForward/default/web`);
    assert.deepEqual(await pf.request(echoPort, 'tunnelled'), { data: 'tunnelled', error: '' });
    assert.deepEqual(await pf.request(echoPort, 'again'), { data: 'again', error: '' });
    pf.close();
  });

  test('port-forward over WebSocket v4.channel.k8s.io: port prefix, data, close', async () => {
    const got = await new Promise<{ data: Buffer[]; err: Buffer[] }>((resolve, reject) => {
      const c = new WebSocket(`${ws}/portForward/default/web?port=${echoPort}`, [
        'v4.channel.k8s.io',
      ]);
      const data: Buffer[] = [];
      const err: Buffer[] = [];
      c.on('message', (m: Buffer) => {
        if (m[0] === 0) data.push(m.subarray(1));
        else err.push(m.subarray(1));
        // After the two port announcements, send a payload once.
        if (data.length === 1 && m[0] === 0)
          c.send(Buffer.concat([Buffer.from([0]), Buffer.from('ws!')]));
        if (Buffer.concat(data).toString('latin1').endsWith('ws!')) c.close(1000);
      });
      c.on('close', () => {
        resolve({ data, err });
      });
      c.on('error', reject);
    });
    const port = Buffer.alloc(2);
    port.writeUInt16LE(echoPort);
    assert.deepEqual(got.data[0], port);
    assert.deepEqual(got.err[0], port);
    assert.equal(Buffer.concat(got.data.slice(1)).toString(), 'ws!');
    // Ports are query parameters on WebSocket port-forward (NewV4Options).
    const refused = await new Promise<string>((resolve, reject) => {
      const c = new WebSocket(`${ws}/portForward/default/web`, ['v4.channel.k8s.io']);
      c.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (b: Buffer) => (body += b.toString()));
        res.on('end', () => {
          resolve(`${String(res.statusCode)} ${body}`);
        });
      });
      c.on('open', () => {
        reject(new Error('upgraded'));
      });
    });
    assert.equal(refused, '400 query parameter "port" is required');
  });
});

describe('kubelet server auth', () => {
  const backend = new FakeBackend();
  const seen: RequestAttributes[] = [];
  const server = new KubeletServer({
    backend,
    auth: {
      token: (t) =>
        Promise.resolve(
          t === 'good' ? { name: 'alice', groups: ['system:authenticated'] } : undefined,
        ),
      authorize: (a) => {
        seen.push(a);
        return Promise.resolve({ allowed: a.subresource !== 'stats' });
      },
    },
  });
  let base = '';
  before(async () => {
    base = `http://127.0.0.1:${(await server.listen(0, '127.0.0.1')).port}`;
  });
  after(async () => {
    await server.close();
  });

  test('401 without credentials, 403 with upstream text, attributes per path', async () => {
    const anon = await fetch(`${base}/pods`);
    assert.equal(anon.status, 401);
    assert.equal(await anon.text(), 'Unauthorized');
    const auth = { headers: { Authorization: 'Bearer good' } };
    assert.equal((await fetch(`${base}/pods`, auth)).status, 200);
    const stats = await fetch(`${base}/stats/summary`, auth);
    assert.equal(stats.status, 403);
    assert.equal(
      await stats.text(),
      'Forbidden (user=alice, verb=get, resource=nodes, subresource=stats)',
    );
    await fetch(`${base}/metrics/resource`, auth);
    await fetch(`${base}/containerLogs/default/web/main`, { ...auth, method: 'GET' });
    assert.deepEqual(
      seen.map((a) => [a.verb, a.resource, a.subresource, a.name]),
      [
        ['get', 'nodes', 'proxy', 'node-a'],
        ['get', 'nodes', 'stats', 'node-a'],
        ['get', 'nodes', 'metrics', 'node-a'],
        ['get', 'nodes', 'proxy', 'node-a'],
      ],
    );
    // Exec needs create on nodes/proxy when POSTed (SPDY).
    await assert.rejects(
      spdyExec(`${base}/exec/default/web/main?command=echo&stdout=1`, ['v4.channel.k8s.io'], {
        stdin: false,
        stdout: true,
        stderr: false,
        tty: false,
      }),
      /HTTP 401: Unauthorized/,
    );
    const r = await spdyExec(
      `${base}/exec/default/web/main?command=echo&command=ok&stdout=1`,
      ['v4.channel.k8s.io'],
      { stdin: false, stdout: true, stderr: false, tty: false },
      { headers: { Authorization: 'Bearer good' } },
    );
    assert.equal(r.stdout, 'ok\n');
    assert.deepEqual(seen.at(-1)?.verb, 'create');
  });
});

describe('kubelet server over TLS with client certificates', () => {
  const backend = new FakeBackend();
  let dir = '';
  let server: KubeletServer | undefined;
  let port = 0;
  const pem: Record<string, string> = {};
  const users: string[] = [];

  before(async () => {
    if (which('openssl') !== false) return;
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kubelet-tls-'));
    const ossl = (args: string[]): void => {
      execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    };
    ossl([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '1',
      '-subj',
      '/CN=kubelet-client-ca',
    ]);
    for (const [name, subj] of [
      ['server', '/CN=node-a'],
      ['client', '/O=kubelet-api-admins/CN=kube-apiserver-kubelet-client'],
      ['other', '/CN=someone'],
    ] as const) {
      ossl([
        'req',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.csr`,
        '-subj',
        subj,
      ]);
      const ext = path.join(dir, `${name}.ext`);
      await fs.writeFile(
        ext,
        name === 'server' ? 'subjectAltName=IP:127.0.0.1\n' : 'extendedKeyUsage=clientAuth\n',
      );
      ossl([
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        `${name}.crt`,
        '-days',
        '1',
        '-extfile',
        ext,
      ]);
    }
    for (const f of [
      'ca.crt',
      'server.crt',
      'server.key',
      'client.crt',
      'client.key',
      'other.crt',
      'other.key',
    ]) {
      pem[f] = await fs.readFile(path.join(dir, f), 'utf8');
    }
    server = new KubeletServer({
      backend,
      tls: { cert: pem['server.crt']!, key: pem['server.key']!, ca: pem['ca.crt']! },
      auth: {
        x509: true,
        authorize: (a) => {
          users.push(`${a.user.name}:${a.user.groups.join(',')}`);
          return Promise.resolve({ allowed: a.user.name === 'kube-apiserver-kubelet-client' });
        },
      },
    });
    port = (await server.listen(0, '127.0.0.1')).port;
  });

  after(async () => {
    await server?.close();
    if (dir !== '') await fs.rm(dir, { recursive: true, force: true });
  });

  const get = (pathname: string, cert?: string): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port,
          path: pathname,
          ca: pem['ca.crt'],
          ...(cert !== undefined ? { cert: pem[`${cert}.crt`], key: pem[`${cert}.key`] } : {}),
        },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => {
            resolve({ status: res.statusCode ?? 0, body });
          });
        },
      );
      req.on('error', reject);
      req.end();
    });

  test(
    'the CA-signed client certificate is the user; others are refused',
    { skip: which('openssl') },
    async () => {
      assert.deepEqual(await get('/healthz'), { status: 401, body: 'Unauthorized' });
      assert.deepEqual(await get('/healthz', 'client'), { status: 200, body: 'ok' });
      assert.deepEqual(await get('/pods', 'other'), {
        status: 403,
        body: 'Forbidden (user=someone, verb=get, resource=nodes, subresource=proxy)',
      });
      assert.deepEqual(users, [
        'kube-apiserver-kubelet-client:kubelet-api-admins,system:authenticated',
        'someone:system:authenticated',
      ]);
      // Streaming over TLS with the client certificate (what the API server does).
      const out = await new Promise<string>((resolve, reject) => {
        const c = new WebSocket(
          `wss://127.0.0.1:${port}/exec/default/web/main?command=echo&command=tls&stdout=1`,
          ['v5.channel.k8s.io'],
          { ca: pem['ca.crt'], cert: pem['client.crt'], key: pem['client.key'] },
        );
        let text = '';
        c.on('message', (m: Buffer) => {
          if (m[0] === 1) text += m.subarray(1).toString();
        });
        c.on('close', () => {
          resolve(text);
        });
        c.on('error', reject);
      });
      assert.equal(out, 'tls\n');
    },
  );
});

function which(cmd: string): false | string {
  return ['/usr/bin', '/bin', '/usr/sbin'].some((d) => existsSync(path.join(d, cmd)))
    ? false
    : `${cmd} not installed`;
}
