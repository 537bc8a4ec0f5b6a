/**
 * The API server in process with a fake kubelet (an HTTPS server written here that checks the
 * API server's client certificate), driven by the real kubectl: logs (tail, previous, follow),
 * validation errors, exec through a WebSocket upgrade (path, query, headers, exit code),
 * nodes/proxy, RBAC on pods/log, and `kubectl top node|pod` from the in-process scraper.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import http from 'node:http';
import https from 'node:https';
import { networkInterfaces } from 'node:os';
import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../storage/index.ts';
import { createMemoryBackend } from '../../storage/memory/index.ts';
import { createCA, issueCertificate } from '../pki/index.ts';
import { startApiServer, type RunningApiServer } from '../index.ts';
import { APISERVER_KUBELET_CLIENT_USER } from './index.ts';

const ca = createCA({ commonName: 'test-ca', validDays: 1 });
const leaf = (commonName: string, usages: ('server' | 'client')[], organizations?: string[]) =>
  issueCertificate(ca, {
    commonName,
    ...(organizations === undefined ? {} : { organizations }),
    ...(usages.includes('server') ? { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] } : {}),
    usages,
    validDays: 1,
  });
const serving = leaf('kube-apiserver', ['server']);
const admin = leaf('admin', ['client'], ['system:masters']);
const kubeletClient = leaf(APISERVER_KUBELET_CLIENT_USER, ['client']);
const kubeletServing = leaf('n1', ['server']);

/** Sample time base of the fake kubelet's metrics: each scrape is 10 s later. */
const T0 = 1_700_000_000_000;

interface Seen {
  path: string;
  headers: IncomingHttpHeaders;
  clientCN: string;
}

/** The fake kubelet: logs, resource metrics, and a WebSocket exec that exits with code 3. */
function startFakeKubelet(): Promise<{ server: https.Server; port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  let scrapes = 0;
  // The CN of the client certificate on a request's TLS socket.
  const cnOf = (socket: unknown): string => {
    if (!(socket instanceof TLSSocket)) return '';
    const cn: unknown = socket.getPeerCertificate().subject.CN;
    return typeof cn === 'string' ? cn : '';
  };
  const server = https.createServer(
    { cert: kubeletServing.certPem, key: kubeletServing.keyPem, ca: ca.certPem, requestCert: true },
    (req, res) => {
      const url = req.url ?? '/';
      seen.push({ path: url, headers: req.headers, clientCN: cnOf(req.socket) });
      if (cnOf(req.socket) !== APISERVER_KUBELET_CLIENT_USER) {
        res.writeHead(401).end('Unauthorized');
        return;
      }
      if (url.startsWith('/containerLogs/default/web/app')) {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        if (url.includes('follow=true')) {
          res.write('first\n');
          setTimeout(() => res.end('second\n'), 300);
          return;
        }
        res.end('line one\nline two\n');
        return;
      }
      if (url.startsWith('/containerLogs/default/multi/b')) {
        res.writeHead(400, { 'Content-Type': 'text/plain' });
        res.end('container "b" in pod "multi" is terminated');
        return;
      }
      if (url === '/echo' && req.method === 'POST') {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        req.pipe(res);
        return;
      }
      if (url === '/metrics/resource') {
        const ts = String(T0 + scrapes * 10_000);
        const n = scrapes++;
        const labels = '{container="app",namespace="default",pod="web"}';
        res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
        res.end(
          [
            '# TYPE node_cpu_usage_seconds_total counter',
            `node_cpu_usage_seconds_total ${String(100 + n * 2)} ${ts}`,
            `node_memory_working_set_bytes 2.097152e+09 ${ts}`,
            `container_cpu_usage_seconds_total${labels} ${String(1 + n * 0.5)} ${ts}`,
            `container_memory_working_set_bytes${labels} 1.048576e+07 ${ts}`,
            `container_start_time_seconds${labels} 1.6e+09 ${ts}`,
            '',
          ].join('\n'),
        );
        return;
      }
      res.writeHead(404).end('404 page not found');
    },
  );
  server.on('upgrade', (req, socket: Duplex) => {
    seen.push({
      path: req.url ?? '',
      headers: req.headers,
      clientCN: cnOf(req.socket),
    });
    const key = req.headers['sec-websocket-key'];
    const protocols = (req.headers['sec-websocket-protocol'] ?? '').split(/, */);
    if (typeof key !== 'string' || !protocols.includes('v5.channel.k8s.io')) {
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const accept = createHash('sha1')
      .update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
      .digest('base64');
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n`,
    );
    // Server frames are unmasked; lengths past 125 take the 16-bit form.
    const frame = (opcode: number, payload: Buffer): Buffer =>
      Buffer.concat([
        payload.length < 126
          ? Buffer.from([0x80 | opcode, payload.length])
          : Buffer.from([0x80 | opcode, 126, payload.length >> 8, payload.length & 0xff]),
        payload,
      ]);
    const channel = (n: number, text: string): Buffer =>
      frame(2, Buffer.concat([Buffer.from([n]), Buffer.from(text)]));
    socket.write(channel(1, 'hello from the fake kubelet\n'));
    const status = {
      metadata: {},
      status: 'Failure',
      message: 'command terminated with non-zero exit code: exit status 3',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    };
    socket.write(channel(3, JSON.stringify(status)));
    socket.end(frame(8, Buffer.from([0x03, 0xe8])));
    socket.on('error', () => undefined);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({
        server,
        port: typeof address === 'object' && address !== null ? address.port : 0,
        seen,
      });
    });
  });
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('API server to kubelet, through kubectl', () => {
  let api: RunningApiServer;
  let kubelet: Awaited<ReturnType<typeof startFakeKubelet>>;
  let dir: string;
  let kubeconfig: string;
  let closedPort = 0;
  /** A pod's HTTP server on this host's first non-loopback IPv4 (pods/proxy needs one). */
  let podServer: http.Server | undefined;

  const kubectl = (args: string[], timeoutMs = 20_000): Promise<Run> =>
    new Promise((resolve) => {
      execFile(
        'kubectl',
        ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args],
        { timeout: timeoutMs },
        (err, stdout, stderr) => {
          const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
          resolve({ code, stdout, stderr });
        },
      );
    });
  const call = async (method: string, path: string, body?: object): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = https.request(`${api.url}${path}`, {
        method,
        ca: ca.certPem,
        cert: admin.certPem,
        key: admin.keyPem,
        headers: {
          'Content-Type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json',
        },
        agent: false,
      });
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => {
          resolve(res.statusCode ?? 0);
        });
      });
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  const pod = (name: string, containers: string[], nodeName?: string): object => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: name } },
    spec: {
      ...(nodeName === undefined ? {} : { nodeName }),
      containers: containers.map((c) => ({ name: c, image: 'busybox' })),
    },
  });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-kubelet-proxy-'));
    kubelet = await startFakeKubelet();
    api = await startApiServer({
      storage: new Store(createMemoryBackend()),
      bindAddress: '127.0.0.1',
      port: 0,
      tls: { certPem: serving.certPem, keyPem: serving.keyPem, caPem: ca.certPem },
      kubeletClient: {
        certPem: kubeletClient.certPem,
        keyPem: kubeletClient.keyPem,
        caPem: ca.certPem,
        preferredAddressTypes: ['InternalIP'],
        metricsIntervalMs: 150,
      },
    });
    kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: c',
        '  cluster:',
        `    server: ${api.url}`,
        `    certificate-authority-data: ${Buffer.from(ca.certPem).toString('base64')}`,
        'users:',
        '- name: u',
        '  user:',
        `    client-certificate-data: ${Buffer.from(admin.certPem).toString('base64')}`,
        `    client-key-data: ${Buffer.from(admin.keyPem).toString('base64')}`,
        'contexts:',
        '- name: x',
        '  context: {cluster: c, user: u}',
        'current-context: x',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    const node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'n1' } },
      status: {
        addresses: [
          { type: 'Hostname', address: 'n1.invalid' },
          { type: 'InternalIP', address: '127.0.0.1' },
        ],
        daemonEndpoints: { kubeletEndpoint: { Port: kubelet.port } },
        capacity: { cpu: '2', memory: '4Gi', pods: '110' },
        allocatable: { cpu: '2', memory: '4Gi', pods: '110' },
      },
    };
    assert.equal(await call('POST', '/api/v1/nodes', node), 201);
    assert.equal(
      await call('PUT', '/api/v1/nodes/n1/status', { ...node, metadata: { name: 'n1' } }),
      200,
    );
    assert.equal(
      await call('POST', '/api/v1/namespaces/default/pods', pod('web', ['app'], 'n1')),
      201,
    );
    assert.equal(
      await call('POST', '/api/v1/namespaces/default/pods', pod('multi', ['a', 'b'], 'n1')),
      201,
    );
    assert.equal(
      await call('POST', '/api/v1/namespaces/default/pods', pod('pending', ['app'])),
      201,
    );
    // A node whose kubelet does not listen.
    closedPort = await new Promise<number>((resolve) => {
      const probe = https.createServer().listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => {
          resolve(typeof address === 'object' && address !== null ? address.port : 0);
        });
      });
    });
    const n2 = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n2' },
      status: {
        addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
        daemonEndpoints: { kubeletEndpoint: { Port: closedPort } },
      },
    };
    assert.equal(await call('POST', '/api/v1/nodes', n2), 201);
    assert.equal(await call('PUT', '/api/v1/nodes/n2/status', n2), 200);
    assert.equal(
      await call('POST', '/api/v1/namespaces/default/pods', pod('orphan', ['app'], 'n2')),
      201,
    );
    const hostIP = Object.values(networkInterfaces())
      .flat()
      .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address;
    if (hostIP !== undefined) {
      const server = http.createServer((req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/plain', 'X-Pod': 'proxied' });
        res.end(`${req.method ?? ''} ${req.url ?? ''}\n`);
      });
      podServer = server;
      await new Promise<void>((resolve) => server.listen(0, hostIP, resolve));
      const address = server.address();
      const podPort = typeof address === 'object' && address !== null ? address.port : 0;
      const proxied = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'proxied', namespace: 'default' },
        spec: {
          nodeName: 'n1',
          containers: [{ name: 'app', image: 'busybox', ports: [{ containerPort: podPort }] }],
        },
      };
      assert.equal(await call('POST', '/api/v1/namespaces/default/pods', proxied), 201);
      assert.equal(
        await call('PATCH', '/api/v1/namespaces/default/pods/proxied/status', {
          status: { phase: 'Running', podIP: hostIP, podIPs: [{ ip: hostIP }] },
        }),
        200,
      );
    }
  });
  after(async () => {
    podServer?.close();
    await api.close();
    await new Promise((resolve) => kubelet.server.close(resolve));
    kubelet.server.closeAllConnections();
    rmSync(dir, { recursive: true, force: true });
  });

  const lastSeen = (prefix: string): Seen | undefined =>
    [...kubelet.seen].reverse().find((s) => s.path.startsWith(prefix));

  it('kubectl logs reaches /containerLogs with the API server kubelet client certificate', async () => {
    const r = await kubectl(['logs', 'web']);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'line one\nline two\n');
    const s = lastSeen('/containerLogs/');
    assert.equal(s?.path, '/containerLogs/default/web/app');
    assert.equal(s.clientCN, APISERVER_KUBELET_CLIENT_USER);
    assert.equal(s.headers.authorization, undefined);
  });

  it('passes --tail, --previous and --timestamps as the kubelet query', async () => {
    const r = await kubectl(['logs', 'web', '--tail=2', '--previous', '--timestamps']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      lastSeen('/containerLogs/')?.path,
      '/containerLogs/default/web/app?previous=true&tailLines=2&timestamps=true',
    );
  });

  it('streams kubectl logs -f until the kubelet ends it', async () => {
    const r = await kubectl(['logs', '-f', 'web']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'first\nsecond\n');
    assert.equal(lastSeen('/containerLogs/')?.path, '/containerLogs/default/web/app?follow=true');
  });

  it('relays the kubelet error of a log request as upstream (400 keeps its text)', async () => {
    const r = await kubectl(['logs', 'multi', '-c', 'b']);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr.trim(),
      'Error from server (BadRequest): container "b" in pod "multi" is terminated',
    );
    // An unknown container is refused by the API server before the kubelet is asked.
    const bad = await kubectl([
      'get',
      '--raw',
      '/api/v1/namespaces/default/pods/web/log?container=gone',
    ]);
    assert.equal(
      bad.stderr.trim(),
      'Error from server (BadRequest): container gone is not valid for pod web',
    );
  });

  it('reports an unreachable kubelet as upstream does', async () => {
    const r = await kubectl(['logs', 'orphan']);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr.trim(),
      `Error from server: Get "https://127.0.0.1:${String(closedPort)}/containerLogs/default/orphan/app": dial tcp 127.0.0.1:${String(closedPort)}: connect: connection refused`,
    );
  });

  it('answers the validation errors of upstream', async () => {
    const multi = await kubectl(['get', '--raw', '/api/v1/namespaces/default/pods/multi/log']);
    assert.equal(
      multi.stderr.trim(),
      'Error from server (BadRequest): a container name must be specified for pod multi, choose one of: [a b]',
    );
    const tail = await kubectl([
      'get',
      '--raw',
      '/api/v1/namespaces/default/pods/web/log?tailLines=-1',
    ]);
    assert.equal(
      tail.stderr.trim(),
      'The PodLogOptions "web" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0',
    );
    const pending = await kubectl(['get', '--raw', '/api/v1/namespaces/default/pods/pending/log']);
    assert.equal(pending.code, 0, pending.stderr);
    assert.equal(pending.stdout, '');
    const execPending = await kubectl(['exec', 'pending', '--', 'true']);
    assert.match(execPending.stderr, /pod pending does not have a host assigned/);
    const missing = await kubectl(['get', '--raw', '/api/v1/namespaces/default/pods/nope/log']);
    assert.equal(missing.stderr.trim(), 'Error from server (NotFound): pods "nope" not found');
  });

  it('authorizes pods/log with RBAC (get)', async () => {
    const r = await kubectl([
      'get',
      '--raw',
      '/api/v1/namespaces/default/pods/web/log',
      '--as=nobody',
    ]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr.trim(),
      'Error from server (Forbidden): pods "web" is forbidden: User "nobody" cannot get resource "pods/log" in API group "" in the namespace "default"',
    );
  });

  it('kubectl exec reaches the kubelet upgrade endpoint and gets its exit code', async () => {
    const r = await kubectl(['exec', 'web', '--', 'sh', '-c', 'echo hi; exit 3']);
    assert.equal(r.stdout, 'hello from the fake kubelet\n');
    assert.equal(r.code, 3, r.stderr);
    const s = lastSeen('/exec/');
    assert.equal(
      s?.path,
      '/exec/default/web/app?command=sh&command=-c&command=echo+hi%3B+exit+3&error=1&output=1',
    );
    assert.equal(s.clientCN, APISERVER_KUBELET_CLIENT_USER);
    assert.equal(s.headers.upgrade, 'websocket');
    assert.match(String(s.headers['sec-websocket-protocol']), /v5\.channel\.k8s\.io/);
    assert.equal(s.headers.authorization, undefined);
    assert.equal(s.headers['x-forwarded-for'], '127.0.0.1');
  });

  it('refuses exec without an upgrade', async () => {
    const r = await kubectl([
      'get',
      '--raw',
      '/api/v1/namespaces/default/pods/web/exec?command=ls&stdout=true',
    ]);
    assert.equal(r.stderr.trim(), 'Error from server (BadRequest): Upgrade request required');
  });

  it('proxies nodes/proxy to the kubelet', async () => {
    const r = await kubectl(['get', '--raw', '/api/v1/nodes/n1/proxy/metrics/resource']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^node_memory_working_set_bytes 2\.097152e\+09 \d+$/m);
  });

  it('forwards request bodies through nodes/proxy', async () => {
    const file = join(dir, 'body.json');
    writeFileSync(file, '{"hello":"kubelet"}');
    const r = await kubectl(['create', '--raw', '/api/v1/nodes/n1/proxy/echo', '-f', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '{"hello":"kubelet"}');
  });

  it('proxies pods/proxy to the pod IP and its first declared port', async (t) => {
    if (podServer === undefined) {
      t.skip('this host has no non-loopback IPv4 address for a pod server');
      return;
    }
    const r = await kubectl([
      'get',
      '--raw',
      '/api/v1/namespaces/default/pods/proxied/proxy/some/path?x=1',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'GET /some/path?x=1\n');
    const bad = await kubectl(['get', '--raw', '/api/v1/namespaces/default/pods/web/proxy/']);
    assert.equal(bad.stderr.trim(), 'Error from server (BadRequest): address not allowed');
  });

  it('serves metrics.k8s.io for kubectl top node and top pod', async () => {
    // The scraper runs every 150 ms; two scrapes make a rate.
    let nodes: Run = { code: -1, stdout: '', stderr: '' };
    for (let i = 0; i < 50; i++) {
      nodes = await kubectl(['top', 'node', '--no-headers']);
      if (nodes.code === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(nodes.code, 0, nodes.stderr);
    // 2 core-seconds per 10 s = 200m of 2 cores; 2000 MiB of 4 GiB. n2's kubelet is down.
    assert.deepEqual(
      nodes.stdout
        .trim()
        .split('\n')
        .map((l) => l.trim().split(/\s+/)),
      [
        ['n1', '200m', '10%', '2000Mi', '48%'],
        ['n2', '<unknown>', '<unknown>', '<unknown>', '<unknown>'],
      ],
    );
    const pods = await kubectl(['top', 'pod', '--no-headers']);
    assert.equal(pods.code, 0, pods.stderr);
    assert.deepEqual(pods.stdout.trim().split(/\s+/), ['web', '50m', '10Mi']);
    const containers = await kubectl(['top', 'pod', 'web', '--containers', '--no-headers']);
    assert.deepEqual(containers.stdout.trim().split(/\s+/), ['web', 'app', '50m', '10Mi']);
    const raw = await kubectl(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/nodes/n1']);
    const m = JSON.parse(raw.stdout) as {
      kind: string;
      window: string;
      usage: Record<string, string>;
    };
    assert.equal(m.kind, 'NodeMetrics');
    assert.equal(m.window, '10s');
    // Canonical quantities, as Go's Quantity.String() writes them.
    assert.deepEqual(m.usage, { cpu: '200m', memory: '2000Mi' });
    const none = await kubectl([
      'get',
      '--raw',
      '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/multi',
    ]);
    assert.equal(
      none.stderr.trim(),
      'Error from server (NotFound): pods.metrics.k8s.io "default/multi" not found',
    );
    const resources = await kubectl([
      'api-resources',
      '--api-group=metrics.k8s.io',
      '--no-headers',
    ]);
    assert.deepEqual(
      resources.stdout
        .trim()
        .split('\n')
        .map((l) => l.trim().split(/\s+/)),
      [
        ['nodes', 'metrics.k8s.io/v1beta1', 'false', 'NodeMetrics'],
        ['pods', 'metrics.k8s.io/v1beta1', 'true', 'PodMetrics'],
      ],
    );
    const openapi = await kubectl(['get', '--raw', '/openapi/v3/apis/metrics.k8s.io/v1beta1']);
    assert.equal(openapi.code, 0, openapi.stderr);
    assert.ok(
      '/apis/metrics.k8s.io/v1beta1/namespaces/{namespace}/pods/{name}' in
        (JSON.parse(openapi.stdout) as { paths: Record<string, unknown> }).paths,
    );
    const selected = await kubectl(['top', 'pod', '-l', 'app=other']);
    assert.match(selected.stderr, /No resources found in default namespace/);
  });
});
