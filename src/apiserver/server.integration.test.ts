/**
 * The API server in process over real HTTPS on loopback: authentication, HTTP/2, errors,
 * limits, subresources (binding, eviction, scale, status), watch streaming and tables.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import http2 from 'node:http2';
import { Store } from '../storage/index.ts';
import { createMemoryBackend } from '../storage/memory/index.ts';
import { createCA, issueCertificate } from './pki/index.ts';
import { startApiServer, type RunningApiServer } from './index.ts';

const ca = createCA({ commonName: 'test-ca', validDays: 1 });
const serving = issueCertificate(ca, {
  commonName: 'apiserver',
  dnsNames: ['localhost'],
  ipAddresses: ['127.0.0.1'],
  usages: ['server'],
  validDays: 1,
});
const admin = issueCertificate(ca, {
  commonName: 'admin',
  organizations: ['system:masters'],
  usages: ['client'],
  validDays: 1,
});

interface WatchLine {
  type: string;
  object: {
    kind?: string;
    metadata?: { name?: string; resourceVersion?: string; annotations?: Record<string, string> };
  };
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json(): Record<string, unknown>;
}

describe('API server over HTTPS', () => {
  let server: RunningApiServer;
  const call = (
    method: string,
    path: string,
    opts: { body?: string | Buffer; headers?: Record<string, string>; cert?: boolean } = {},
  ): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const req = https.request(
        `${server.url}${path}`,
        {
          method,
          ca: ca.certPem,
          ...(opts.cert === false ? {} : { cert: admin.certPem, key: admin.keyPem }),
          headers: { 'Content-Type': 'application/json', ...opts.headers },
          agent: false,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const body = Buffer.concat(chunks).toString('utf8');
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body,
              json: () => JSON.parse(body) as Record<string, unknown>,
            });
          });
        },
      );
      req.on('error', reject);
      req.end(opts.body);
    });

  before(async () => {
    server = await startApiServer({
      storage: new Store(createMemoryBackend()),
      bindAddress: '127.0.0.1',
      port: 0,
      tls: { certPem: serving.certPem, keyPem: serving.keyPem, caPem: ca.certPem },
    });
  });
  after(async () => {
    await server.close();
  });

  it('answers health anonymously and refuses everything else without a certificate', async () => {
    assert.equal((await call('GET', '/readyz', { cert: false })).body, 'ok');
    assert.equal((await call('GET', '/version', { cert: false })).json()['minor'], '32');
    const r = await call('GET', '/api/v1/namespaces', { cert: false });
    assert.equal(r.status, 401);
    assert.equal(r.json()['reason'], 'Unauthorized');
  });

  it('speaks HTTP/2 by ALPN', async () => {
    const session = http2.connect(server.url, {
      ca: ca.certPem,
      cert: admin.certPem,
      key: admin.keyPem,
    });
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const stream = session.request({ ':path': '/api/v1/namespaces/default' });
        let data = '';
        stream.on('data', (c: Buffer) => (data += c.toString()));
        stream.on('end', () => {
          resolve(data);
        });
        stream.on('error', reject);
      });
      assert.equal((JSON.parse(body) as { metadata: { name: string } }).metadata.name, 'default');
    } finally {
      session.close();
    }
  });

  it('creates the kubernetes Service with the first service IP', async () => {
    const svc = (await call('GET', '/api/v1/namespaces/default/services/kubernetes')).json() as {
      spec: { clusterIP: string; ports: { port: number }[] };
    };
    assert.equal(svc.spec.clusterIP, '10.96.0.1');
    assert.equal(svc.spec.ports[0]?.port, 443);
    const ep = (await call('GET', '/api/v1/namespaces/default/endpoints/kubernetes')).json() as {
      subsets: { ports: { port: number }[] }[];
    };
    assert.equal(ep.subsets[0]?.ports[0]?.port, server.port);
  });

  it('maps bad input to 4xx Status errors', async () => {
    const bad = await call('POST', '/api/v1/namespaces/default/configmaps', { body: '{not json' });
    assert.equal(bad.status, 400);
    assert.equal(bad.json()['kind'], 'Status');
    const media = await call('POST', '/api/v1/namespaces/default/configmaps', {
      body: 'x',
      headers: { 'Content-Type': 'text/html' },
    });
    assert.equal(media.status, 415);
    const big = await call('POST', '/api/v1/namespaces/default/configmaps', {
      body: Buffer.alloc(3 * 1024 * 1024 + 10, 32),
    });
    assert.equal(big.status, 413);
    assert.equal((await call('GET', '/api/v1/nosuchthings')).status, 404);
    assert.equal((await call('GET', '/apis/nosuch.group/v1/things')).status, 404);
    const yaml = await call('POST', '/api/v1/namespaces/default/configmaps', {
      body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\n',
      headers: { 'Content-Type': 'application/yaml' },
    });
    assert.equal(yaml.status, 201);
  });

  it('accepts request lines and headers up to 1 MiB, as upstream', async () => {
    const long = await call(
      'GET',
      `/api/v1/namespaces/default/configmaps?labelSelector=${'a,'.repeat(20000)}a`,
    );
    assert.equal(long.status, 200, long.body.slice(0, 200));
    const bad = await call(
      'GET',
      `/api/v1/namespaces/default/configmaps?labelSelector=${'a in ('.repeat(5000)}`,
    );
    assert.equal(bad.status, 400);
    assert.equal(bad.json()['kind'], 'Status');
  });

  it('binds a pod once and refuses a second binding', async () => {
    const pod = JSON.stringify({
      metadata: { name: 'p1' },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    });
    assert.equal(
      (await call('POST', '/api/v1/namespaces/default/pods', { body: pod })).status,
      201,
    );
    const binding = (node: string): string =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name: 'p1' },
        target: { kind: 'Node', name: node },
      });
    const first = await call('POST', '/api/v1/namespaces/default/pods/p1/binding', {
      body: binding('n1'),
    });
    assert.equal(first.status, 201, first.body);
    const got = (await call('GET', '/api/v1/namespaces/default/pods/p1')).json() as {
      spec: { nodeName: string };
    };
    assert.equal(got.spec.nodeName, 'n1');
    const second = await call('POST', '/api/v1/namespaces/default/pods/p1/binding', {
      body: binding('n2'),
    });
    assert.equal(second.status, 409);
    assert.match(String(second.json()['message']), /already assigned to node "n1"/);
  });

  it('evicts a pod unless a disruption budget forbids it', async () => {
    const pod = (name: string): string =>
      JSON.stringify({
        metadata: { name, labels: { app: 'guarded' } },
        spec: { containers: [{ name: 'c', image: 'x' }] },
      });
    await call('POST', '/api/v1/namespaces/default/pods', { body: pod('e1') });
    const running = await call('PUT', '/api/v1/namespaces/default/pods/e1/status', {
      body: JSON.stringify({
        metadata: { name: 'e1' },
        status: { phase: 'Running', qosClass: 'BestEffort' },
      }),
    });
    assert.equal(running.status, 200, running.body);
    const pdb = JSON.stringify({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'guard' },
      spec: { minAvailable: 1, selector: { matchLabels: { app: 'guarded' } } },
    });
    assert.equal(
      (await call('POST', '/apis/policy/v1/namespaces/default/poddisruptionbudgets', { body: pdb }))
        .status,
      201,
    );
    const eviction = JSON.stringify({
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: 'e1' },
    });
    const blocked = await call('POST', '/api/v1/namespaces/default/pods/e1/eviction', {
      body: eviction,
    });
    assert.equal(blocked.status, 429);
    assert.match(String(blocked.json()['message']), /disruption budget/);
    await call('DELETE', '/apis/policy/v1/namespaces/default/poddisruptionbudgets/guard');
    const ok = await call('POST', '/api/v1/namespaces/default/pods/e1/eviction', {
      body: eviction,
    });
    assert.equal(ok.status, 201, ok.body);
    assert.equal((await call('GET', '/api/v1/namespaces/default/pods/e1')).status, 404);
  });

  it('reads and writes the scale subresource', async () => {
    const dep = JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd1' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'd1' } },
        template: {
          metadata: { labels: { app: 'd1' } },
          spec: { containers: [{ name: 'c', image: 'x' }] },
        },
      },
    });
    assert.equal(
      (await call('POST', '/apis/apps/v1/namespaces/default/deployments', { body: dep })).status,
      201,
    );
    const scale = (
      await call('GET', '/apis/apps/v1/namespaces/default/deployments/d1/scale')
    ).json() as {
      kind: string;
      spec: { replicas: number };
      status: { selector: string };
    };
    assert.equal(scale.kind, 'Scale');
    assert.equal(scale.spec.replicas, 1);
    assert.equal(scale.status.selector, 'app=d1');
    const put = await call('PUT', '/apis/apps/v1/namespaces/default/deployments/d1/scale', {
      body: JSON.stringify({
        apiVersion: 'autoscaling/v1',
        kind: 'Scale',
        metadata: { name: 'd1' },
        spec: { replicas: 4 },
      }),
      headers: {},
    });
    assert.equal(put.status, 200, put.body);
    const d = (await call('GET', '/apis/apps/v1/namespaces/default/deployments/d1')).json() as {
      spec: { replicas: number };
    };
    assert.equal(d.spec.replicas, 4);
  });

  it('streams watch events and tables', async () => {
    const list = (await call('GET', '/api/v1/namespaces/default/configmaps')).json() as {
      metadata: { resourceVersion: string };
    };
    const rv = list.metadata.resourceVersion;
    const events: { type: string; object: { metadata?: { name?: string } } }[] = [];
    const watch = new Promise<void>((resolve, reject) => {
      const req = https.request(
        `${server.url}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}&timeoutSeconds=5`,
        { ca: ca.certPem, cert: admin.certPem, key: admin.keyPem, agent: false },
        (res) => {
          let buf = '';
          res.on('data', (c: Buffer) => {
            buf += c.toString();
            let nl: number;
            while ((nl = buf.indexOf('\n')) >= 0) {
              events.push(JSON.parse(buf.slice(0, nl)) as (typeof events)[number]);
              buf = buf.slice(nl + 1);
              if (events.length === 2) {
                req.destroy();
                resolve();
              }
            }
          });
        },
      );
      req.on('error', (err) => {
        if (events.length < 2) reject(err);
      });
      req.end();
    });
    await call('POST', '/api/v1/namespaces/default/configmaps', {
      body: JSON.stringify({ metadata: { name: 'w1' } }),
    });
    await call('DELETE', '/api/v1/namespaces/default/configmaps/w1');
    await watch;
    assert.deepEqual(
      events.map((e) => [e.type, e.object.metadata?.name]),
      [
        ['ADDED', 'w1'],
        ['DELETED', 'w1'],
      ],
    );
    const table = (
      await call('GET', '/api/v1/namespaces', {
        headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' },
      })
    ).json() as {
      kind: string;
      columnDefinitions: { name: string }[];
      rows: { cells: unknown[]; object: { kind: string } }[];
    };
    assert.equal(table.kind, 'Table');
    assert.deepEqual(
      table.columnDefinitions.map((c) => c.name),
      ['Name', 'Status', 'Age'],
    );
    assert.equal(table.rows[0]?.object.kind, 'PartialObjectMetadata');
  });

  /** Opens a watch and collects events until `until` says stop (or 5 s pass). */
  const collectWatch = (
    query: string,
    until: (events: WatchLine[]) => boolean,
  ): { done: Promise<WatchLine[]> } => {
    const events: WatchLine[] = [];
    const done = new Promise<WatchLine[]>((resolve, reject) => {
      const req = https.request(
        `${server.url}/api/v1/namespaces/stream/configmaps?watch=true&timeoutSeconds=5&${query}`,
        { ca: ca.certPem, cert: admin.certPem, key: admin.keyPem, agent: false },
        (res) => {
          let buf = '';
          res.on('data', (c: Buffer) => {
            buf += c.toString();
            let nl: number;
            while ((nl = buf.indexOf('\n')) >= 0) {
              events.push(JSON.parse(buf.slice(0, nl)) as WatchLine);
              buf = buf.slice(nl + 1);
              if (until(events)) {
                req.destroy();
                resolve(events);
              }
            }
          });
          res.on('end', () => {
            resolve(events);
          });
        },
      );
      req.on('error', (err) => {
        if (!until(events)) reject(err);
      });
      req.end();
    });
    return { done };
  };

  it('streams lists: sendInitialEvents sends the state, a marked bookmark, then changes', async () => {
    await call('POST', '/api/v1/namespaces', {
      body: JSON.stringify({ metadata: { name: 'stream' } }),
    });
    for (const name of ['s1', 's2']) {
      await call('POST', '/api/v1/namespaces/stream/configmaps', {
        body: JSON.stringify({ metadata: { name, labels: { stream: 'yes' } } }),
      });
    }
    const list = (await call('GET', '/api/v1/namespaces/stream/configmaps')).json() as {
      metadata: { resourceVersion: string };
    };
    const isEnd = (e: WatchLine): boolean =>
      e.type === 'BOOKMARK' &&
      e.object.metadata?.annotations?.['k8s.io/initial-events-end'] === 'true';
    for (const rv of ['', '0', list.metadata.resourceVersion]) {
      const w = collectWatch(
        // Only this test's objects (the namespace also holds kube-root-ca.crt, published async).
        `labelSelector=stream%3Dyes&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&resourceVersion=${rv}`,
        (events) => events.some((e) => e.type === 'ADDED' && e.object.metadata?.name === 's3'),
      );
      // Give the watch time to send its state before the change.
      await new Promise((r) => setTimeout(r, 100));
      await call('POST', '/api/v1/namespaces/stream/configmaps', {
        body: JSON.stringify({ metadata: { name: 's3', labels: { stream: 'yes' } } }),
      });
      const events = await w.done;
      const firstEnd = events.findIndex(isEnd);
      assert.deepEqual(
        events.slice(0, firstEnd).map((e) => [e.type, e.object.metadata?.name]),
        [
          ['ADDED', 's1'],
          ['ADDED', 's2'],
        ],
        `state first (resourceVersion "${rv}")`,
      );
      const end = events[firstEnd];
      assert.ok(
        end !== undefined &&
          Number(end.object.metadata?.resourceVersion) >= Number(list.metadata.resourceVersion),
      );
      assert.equal(end.object.kind, 'ConfigMap');
      assert.deepEqual(
        events
          .slice(firstEnd + 1)
          .filter((e) => e.type !== 'BOOKMARK')
          .map((e) => [e.type, e.object.metadata?.name]),
        [['ADDED', 's3']],
      );
      await call('DELETE', '/api/v1/namespaces/stream/configmaps/s3');
    }
    // sendInitialEvents=false with no resourceVersion starts at the most recent: no state.
    const fresh = collectWatch(
      'sendInitialEvents=false&resourceVersionMatch=NotOlderThan',
      (events) => events.length >= 1,
    );
    await new Promise((r) => setTimeout(r, 100));
    await call('POST', '/api/v1/namespaces/stream/configmaps', {
      body: JSON.stringify({ metadata: { name: 's4' } }),
    });
    assert.deepEqual(
      (await fresh.done).map((e) => [e.type, e.object.metadata?.name]),
      [['ADDED', 's4']],
    );
  });

  it('validates list and watch options as upstream (422 ListOptions)', async () => {
    const cases: [string, string][] = [
      [
        'watch=true&sendInitialEvents=true',
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
      ],
      [
        'watch=true&resourceVersionMatch=NotOlderThan',
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
      ],
      [
        'sendInitialEvents=true',
        'ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list',
      ],
      [
        'resourceVersionMatch=Exact',
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
      ],
      [
        'resourceVersion=0&resourceVersionMatch=Exact',
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
      ],
    ];
    for (const [query, message] of cases) {
      const r = await call('GET', `/api/v1/namespaces/default/configmaps?${query}`);
      assert.equal(r.status, 422, query);
      const status = r.json() as { reason: string; message: string };
      assert.equal(status.reason, 'Invalid');
      assert.equal(status.message, message);
    }
    const future = await call(
      'GET',
      '/api/v1/namespaces/default/configmaps?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&resourceVersion=999999999',
    );
    assert.equal(future.status, 504);
    assert.match(future.body, /Too large resource version: 999999999/);
  });

  it('answers 429 with Retry-After when too many requests are in flight', async () => {
    const limited = await startApiServer({
      storage: new Store(createMemoryBackend()),
      bindAddress: '127.0.0.1',
      port: 0,
      tls: { certPem: serving.certPem, keyPem: serving.keyPem, caPem: ca.certPem },
      maxRequestsInFlight: { readOnly: 0, mutating: 0 },
    });
    try {
      const r = await new Promise<{ status: number; retry: string | undefined; reason: unknown }>(
        (resolve, reject) => {
          https
            .get(
              `${limited.url}/api/v1/namespaces`,
              { ca: ca.certPem, cert: admin.certPem, key: admin.keyPem, agent: false },
              (res) => {
                let body = '';
                res.on('data', (c: Buffer) => (body += c.toString()));
                res.on('end', () => {
                  resolve({
                    status: res.statusCode ?? 0,
                    retry: res.headers['retry-after'],
                    reason: (JSON.parse(body) as { reason: unknown }).reason,
                  });
                });
              },
            )
            .on('error', reject);
        },
      );
      assert.equal(r.status, 429);
      assert.equal(r.retry, '1');
      assert.equal(r.reason, 'TooManyRequests');
    } finally {
      await limited.close();
    }
  });
});
