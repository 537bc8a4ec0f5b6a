import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../api/index.ts';
import { Store, type StoredObject } from '../../storage/index.ts';
import { createMemoryBackend } from '../../storage/memory/index.ts';
import { ServiceAllocator } from './services.ts';
import { ipv4ToNumber, ipv4ToString, parseIPv4Cidr } from './allocator.ts';

const svc = (spec: Record<string, unknown>): StoredObject => ({ metadata: { name: 's' }, spec });
const specOf = (
  o: StoredObject,
): { clusterIP?: string; clusterIPs?: string[]; ports?: { nodePort?: number }[] } =>
  o['spec'] as { clusterIP?: string; clusterIPs?: string[]; ports?: { nodePort?: number }[] };

describe('service allocation', () => {
  it('parses CIDRs and addresses', () => {
    assert.deepEqual(parseIPv4Cidr('10.96.0.0/12'), {
      base: ipv4ToNumber('10.96.0.0'),
      size: 1 << 20,
    });
    assert.equal(ipv4ToString(parseIPv4Cidr('10.96.7.9/12').base), '10.96.0.0');
    assert.equal(ipv4ToNumber('300.1.1.1'), undefined);
    assert.throws(() => parseIPv4Cidr('10.0.0.0'));
  });

  it('allocates unique cluster IPs in the range, honours requests and releases', async () => {
    const alloc = new ServiceAllocator(new Store(createMemoryBackend()), {
      serviceCIDR: '10.96.0.0/28',
    });
    const first = svc({ clusterIP: alloc.firstIP, ports: [{ port: 443 }] });
    await alloc.allocate(first, false);
    assert.equal(specOf(first).clusterIP, '10.96.0.1');
    const seen = new Set<string>(['10.96.0.1']);
    for (let i = 0; i < 13; i++) {
      const s = svc({ ports: [{ port: 80 }] });
      await alloc.allocate(s, false);
      const ip = specOf(s).clusterIP ?? '';
      assert.ok(!seen.has(ip), `duplicate ${ip}`);
      assert.notEqual(ip, '10.96.0.0');
      assert.notEqual(ip, '10.96.0.15');
      seen.add(ip);
    }
    await assert.rejects(alloc.allocate(svc({}), false), /range is full/);
    await assert.rejects(alloc.allocate(svc({ clusterIP: '10.96.0.1' }), false), (err) => {
      assert.ok(err instanceof StatusError);
      assert.equal(err.status.code, 422);
      assert.match(
        err.status.message ?? '',
        /failed to allocate IP 10.96.0.1: provided IP is already allocated/,
      );
      return true;
    });
    await assert.rejects(
      alloc.allocate(svc({ clusterIP: '192.168.1.1' }), false),
      /not in the valid range/,
    );
    await alloc.release(first);
    const again = svc({ clusterIP: '10.96.0.1' });
    await alloc.allocate(again, false);
    assert.deepEqual(specOf(again).clusterIPs, ['10.96.0.1']);
  });

  it('leaves headless and ExternalName services without an IP and allocates node ports', async () => {
    const alloc = new ServiceAllocator(new Store(createMemoryBackend()));
    const headless = svc({ clusterIP: 'None' });
    await alloc.allocate(headless, false);
    assert.deepEqual(specOf(headless).clusterIPs, ['None']);
    const ext = svc({ type: 'ExternalName', externalName: 'example.com' });
    await alloc.allocate(ext, false);
    assert.equal(specOf(ext).clusterIP, undefined);
    const np = svc({ type: 'NodePort', ports: [{ port: 80 }, { port: 81, nodePort: 30080 }] });
    await alloc.allocate(np, false);
    const [p0, p1] = specOf(np).ports ?? [];
    assert.ok((p0?.nodePort ?? 0) >= 30000 && (p0?.nodePort ?? 0) <= 32767);
    assert.equal(p1?.nodePort, 30080);
    await assert.rejects(
      alloc.allocate(svc({ type: 'NodePort', ports: [{ port: 1, nodePort: 30080 }] }), false),
      /provided port is already allocated/,
    );
    // The failed request must not keep the IP it got before the port failed.
    await alloc.release(np);
    await alloc.allocate(svc({ type: 'NodePort', ports: [{ port: 1, nodePort: 30080 }] }), false);
  });

  it('does not persist anything in dry-run mode', async () => {
    const alloc = new ServiceAllocator(new Store(createMemoryBackend()), {
      serviceCIDR: '10.96.0.0/29',
    });
    await alloc.allocate(svc({ clusterIP: '10.96.0.2' }), true);
    const real = svc({ clusterIP: '10.96.0.2' });
    await alloc.allocate(real, false);
    assert.equal(specOf(real).clusterIP, '10.96.0.2');
  });
});

describe('service updates', () => {
  it('gains node ports when becoming NodePort and releases them when going back', async () => {
    const alloc = new ServiceAllocator(new Store(createMemoryBackend()));
    const created = svc({ type: 'ClusterIP', ports: [{ port: 80 }] });
    await alloc.allocate(created, false);
    const asNodePort = structuredClone(created);
    (asNodePort['spec'] as { type: string }).type = 'NodePort';
    const up = await alloc.update(asNodePort, created, false);
    await up.commit();
    const port = specOf(asNodePort).ports?.[0]?.nodePort ?? 0;
    assert.ok(port >= 30000 && port <= 32767, String(port));
    assert.equal(specOf(asNodePort).clusterIP, specOf(created).clusterIP);

    const back = structuredClone(asNodePort);
    (back['spec'] as { type: string }).type = 'ClusterIP';
    const down = await alloc.update(back, asNodePort, false);
    assert.equal(specOf(back).ports?.[0]?.nodePort, undefined, 'unchanged node port dropped');
    await down.commit();
    // The released port can be requested again.
    await alloc.allocate(svc({ type: 'NodePort', ports: [{ port: 1, nodePort: port }] }), false);
  });

  it('undoes reservations when the write does not happen', async () => {
    const alloc = new ServiceAllocator(new Store(createMemoryBackend()));
    const created = svc({ type: 'ClusterIP', ports: [{ port: 80 }] });
    await alloc.allocate(created, false);
    const next = structuredClone(created);
    (next['spec'] as { type: string; ports: { port: number; nodePort?: number }[] }).type =
      'NodePort';
    (next['spec'] as { ports: { port: number; nodePort?: number }[] }).ports[0] = {
      port: 80,
      nodePort: 30500,
    };
    const up = await alloc.update(next, created, false);
    await up.undo();
    await alloc.allocate(svc({ type: 'NodePort', ports: [{ port: 1, nodePort: 30500 }] }), false);
  });

  it('drops the cluster IP when becoming ExternalName and allocates one when leaving it', async () => {
    const alloc = new ServiceAllocator(new Store(createMemoryBackend()), {
      serviceCIDR: '10.96.0.0/29',
    });
    const created = svc({ type: 'ClusterIP', clusterIP: '10.96.0.3', ports: [{ port: 80 }] });
    await alloc.allocate(created, false);
    const ext = structuredClone(created);
    (ext['spec'] as { type: string; externalName?: string }).type = 'ExternalName';
    const toExt = await alloc.update(ext, created, false);
    assert.equal(specOf(ext).clusterIP, undefined);
    await toExt.commit();
    await alloc.allocate(svc({ clusterIP: '10.96.0.3' }), false); // released
    const back = structuredClone(ext);
    (back['spec'] as { type: string }).type = 'ClusterIP';
    await alloc.update(back, ext, false);
    assert.match(specOf(back).clusterIP ?? '', /^10\.96\.0\.\d$/);
  });
});
