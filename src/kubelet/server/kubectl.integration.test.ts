/**
 * The real kubectl against the kubelet server, through a stand-in API server that answers the
 * pod GET and passes exec/attach/port-forward upgrades through to the kubelet byte for byte
 * (rewriting only the request line, as the API server's location streamer targets
 * `/exec/{ns}/{pod}/{container}`). Covers kubectl 1.32 (WebSocket v5 exec, SPDY tunnelled in
 * WebSocket for port-forward) and 1.29 (SPDY exec and port-forward). Skips when the versioned
 * kubectl binaries are not installed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Duplex } from 'node:stream';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { KubeletServer } from './server.ts';
import type { ContainerStreams, KubeletServerBackend } from './types.ts';

const POD: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    namespace: 'default',
    name: 'web',
    uid: 'uid-1',
    creationTimestamp: '2024-01-01T00:00:00Z',
  },
  spec: { containers: [{ name: 'main', image: 'busybox' }], nodeName: 'node-a' },
  status: { phase: 'Running' },
};

class Backend implements KubeletServerBackend {
  readonly nodeName = 'node-a';
  listPods(): Pod[] {
    return [POD];
  }
  getPodByName(): Pod {
    return POD;
  }
  containerLogs(): never {
    throw new Error('unused');
  }
  async exec(
    _p: Pod,
    _u: string | undefined,
    _c: string,
    cmd: readonly string[],
    s: ContainerStreams,
  ): Promise<{ exitCode: number }> {
    const [prog, ...args] = cmd;
    if (prog === 'echo') {
      s.stdout?.write(args.join(' ') + '\n');
      return { exitCode: 0 };
    }
    if (prog === 'fail') {
      s.stderr?.write('failing\n');
      return { exitCode: Number(args[0]) };
    }
    if (prog === 'size') {
      // The first terminal size kubectl sends (a tty session).
      const size = await s.resize?.next();
      s.stdout?.write(`size ${String(size?.width)}x${String(size?.height)} tty=${String(s.tty)}\n`);
      return { exitCode: 0 };
    }
    if (prog === 'cat' && s.stdin !== undefined) {
      const input = s.stdin;
      await new Promise<void>((resolve) => {
        input.on('data', (c: Buffer) => s.stdout?.write(c));
        input.once('end', resolve);
      });
      return { exitCode: 0 };
    }
    return { exitCode: 127 };
  }
  attach(): Promise<void> {
    return Promise.resolve();
  }
  async portForward(_p: Pod, _u: string | undefined, port: number, stream: Duplex): Promise<void> {
    const sock = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', resolve);
      sock.once('error', reject);
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

const kubectlDir = '/usr/lib/google-cloud-sdk/bin';
async function findKubectl(version: string): Promise<string | undefined> {
  for (const dir of [
    kubectlDir,
    path.dirname(await fs.realpath('/usr/bin/kubectl').catch(() => '')),
  ]) {
    const p = path.join(dir, `kubectl.${version}`);
    if (
      await fs.access(p).then(
        () => true,
        () => false,
      )
    )
      return p;
  }
  return undefined;
}

/** The API server's `streamParams`: flags become `1`, the container goes into the path. */
function kubeletPath(url: URL): string | undefined {
  const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(exec|attach|portforward)$/.exec(
    url.pathname,
  );
  if (m === null) return undefined;
  const [, ns = '', pod = '', sub = ''] = m;
  if (sub === 'portforward') return `/portForward/${ns}/${pod}${url.search}`;
  const q = new URLSearchParams();
  for (const [k, v] of url.searchParams) {
    if (k === 'container') continue;
    q.append(k, ['stdin', 'stdout', 'stderr', 'tty'].includes(k) ? (v === 'true' ? '1' : v) : v);
  }
  return `/${sub}/${ns}/${pod}/${url.searchParams.get('container') ?? 'main'}?${q.toString()}`;
}

function run(
  bin: string,
  args: string[],
  input?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(bin, args, { timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
    else child.stdin?.end();
  });
}

describe('real kubectl through a pass-through API server', async () => {
  const k132 = await findKubectl('1.32');
  const k129 = await findKubectl('1.29');
  const skip =
    k132 === undefined || k129 === undefined ? 'versioned kubectl binaries not found' : false;
  const kubelet = new KubeletServer({ backend: new Backend() });
  let api: http.Server;
  let echo: net.Server;
  let echoPort = 0;
  let dir = '';
  let kubeconfig = '';
  const sockets = new Set<Duplex>();
  const track = (c: Duplex): void => {
    sockets.add(c);
    c.once('close', () => sockets.delete(c));
  };
  /** Each upgrade the stand-in API server passed through: `<upgrade> <protocols>`. */
  const upgrades: string[] = [];

  before(async () => {
    if (skip !== false) return;
    const kport = (await kubelet.listen(0, '127.0.0.1')).port;
    // Just enough legacy discovery for kubectl's pod lookups (docs: kubectl-wire.md section 2.2).
    const discovery: Record<string, unknown> = {
      '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] },
      '/apis': { kind: 'APIGroupList', apiVersion: 'v1', groups: [] },
      '/api/v1': {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: 'v1',
        resources: [
          {
            name: 'pods',
            singularName: 'pod',
            namespaced: true,
            kind: 'Pod',
            verbs: ['get', 'list'],
            shortNames: ['po'],
          },
          {
            name: 'pods/exec',
            singularName: '',
            namespaced: true,
            kind: 'PodExecOptions',
            verbs: ['create', 'get'],
          },
          {
            name: 'pods/portforward',
            singularName: '',
            namespaced: true,
            kind: 'PodPortForwardOptions',
            verbs: ['create', 'get'],
          },
        ],
      },
    };
    api = http.createServer((req, res) => {
      const doc = discovery[new URL(req.url ?? '/', 'http://x').pathname];
      if (doc !== undefined) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(doc));
        return;
      }
      if (
        req.url?.startsWith('/api/v1/namespaces/default/pods/web') === true &&
        req.method === 'GET'
      ) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(POD));
        return;
      }
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          reason: 'NotFound',
          code: 404,
        }),
      );
    });
    api.on('connection', (c: net.Socket) => {
      track(c);
    });
    api.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      const target = kubeletPath(new URL(req.url ?? '/', 'http://x'));
      upgrades.push(
        `${req.headers.upgrade ?? ''} ${String(req.headers['sec-websocket-protocol'] ?? req.headers['x-stream-protocol-version'] ?? '')}`,
      );
      if (target === undefined) {
        socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      track(socket);
      const up = net.connect(kport, '127.0.0.1', () => {
        const lines = [`${req.method ?? 'GET'} ${target} HTTP/1.1`];
        for (let i = 0; i < req.rawHeaders.length; i += 2) {
          lines.push(`${req.rawHeaders[i] ?? ''}: ${req.rawHeaders[i + 1] ?? ''}`);
        }
        up.write(lines.join('\r\n') + '\r\n\r\n');
        up.write(head);
        socket.pipe(up);
        up.pipe(socket);
      });
      track(up);
      up.on('error', () => socket.destroy());
      socket.on('error', () => up.destroy());
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
    echo = net.createServer((c) => {
      track(c);
      c.pipe(c);
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    echoPort = (echo.address() as net.AddressInfo).port;
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kubectl-kubelet-'));
    kubeconfig = path.join(dir, 'config');
    const apiPort = (api.address() as net.AddressInfo).port;
    await fs.writeFile(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:${apiPort}\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\n    namespace: default\ncurrent-context: c\nusers:\n- name: u\n  user: {}\n`,
    );
  });

  after(async () => {
    if (skip !== false) return;
    await kubelet.close();
    // Upgraded and echo connections are not closed by close(): end every socket we saw.
    for (const c of sockets) c.destroy();
    await new Promise<void>((r) =>
      api.close(() => {
        r();
      }),
    );
    await new Promise<void>((r) =>
      echo.close(() => {
        r();
      }),
    );
    await fs.rm(dir, { recursive: true, force: true });
  });

  const kc = (): string[] => ['--kubeconfig', kubeconfig, '--cache-dir', path.join(dir, 'cache')];

  for (const version of ['1.32', '1.29']) {
    test(`kubectl ${version} exec: output, exit code, stdin`, { skip }, async () => {
      const bin = version === '1.32' ? k132! : k129!;
      upgrades.length = 0;
      const ok = await run(bin, [
        ...kc(),
        'exec',
        'web',
        '-c',
        'main',
        '--',
        'echo',
        'hello',
        'world',
      ]);
      assert.deepEqual([ok.code, ok.stdout, ok.stderr], [0, 'hello world\n', '']);
      const fail = await run(bin, [...kc(), 'exec', 'web', '-c', 'main', '--', 'fail', '3']);
      assert.equal(fail.code, 3);
      assert.match(fail.stderr, /failing\n/);
      assert.match(fail.stderr, /command terminated with exit code 3/);
      const cat = await run(
        bin,
        [...kc(), 'exec', '-i', 'web', '-c', 'main', '--', 'cat'],
        'abc\ndef\n',
      );
      assert.deepEqual([cat.code, cat.stdout], [0, 'abc\ndef\n']);
      // No fallback happened: every attempt used the version's first-choice transport.
      const want =
        version === '1.32'
          ? 'websocket v5.channel.k8s.io'
          : 'SPDY/3.1 v5.channel.k8s.io, v4.channel.k8s.io, v3.channel.k8s.io, v2.channel.k8s.io, channel.k8s.io';
      assert.deepEqual(upgrades, [want, want, want]);
    });

    test(`kubectl ${version} exec -it: a terminal with its size`, { skip }, async (t) => {
      const bin = version === '1.32' ? k132! : k129!;
      if (
        !(await fs.access('/usr/bin/script').then(
          () => true,
          () => false,
        ))
      ) {
        t.skip('script (util-linux) not installed');
        return;
      }
      // `script` gives kubectl a terminal of a known size.
      const line = [
        'stty cols 101 rows 33;',
        bin,
        ...kc(),
        'exec',
        '-it',
        'web',
        '-c',
        'main',
        '--',
        'size',
      ].join(' ');
      const r = await run('script', ['-q', '-e', '-c', line, '/dev/null']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /size 101x33 tty=true/);
    });

    test(`kubectl ${version} port-forward to a TCP echo server`, { skip }, async () => {
      const bin = version === '1.32' ? k132! : k129!;
      upgrades.length = 0;
      const child = spawn(bin, [
        ...kc(),
        'port-forward',
        'pod/web',
        `:${echoPort}`,
        '--address',
        '127.0.0.1',
      ]);
      try {
        const local = await new Promise<number>((resolve, reject) => {
          let out = '';
          child.stdout.on('data', (c: Buffer) => {
            out += c.toString();
            const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out);
            if (m !== null) resolve(Number(m[1]));
          });
          child.once('exit', (code) => {
            reject(new Error(`kubectl exited ${String(code)}`));
          });
        });
        for (const msg of ['first connection', 'second connection']) {
          const got = await new Promise<string>((resolve, reject) => {
            const c = net.connect(local, '127.0.0.1', () => {
              c.write(msg);
            });
            let data = '';
            c.on('data', (b: Buffer) => {
              data += b.toString();
              if (data === msg) {
                c.end();
                resolve(data);
              }
            });
            c.on('error', reject);
          });
          assert.equal(got, msg);
        }
        assert.deepEqual(
          [...new Set(upgrades)],
          [
            version === '1.32'
              ? 'websocket SPDY/3.1+portforward.k8s.io'
              : 'SPDY/3.1 portforward.k8s.io',
          ],
        );
      } finally {
        child.kill('SIGKILL');
      }
    });
  }
});
