import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newBuiltinScheme } from '../../api/index.ts';
import { Store, type StoredObject } from '../../storage/index.ts';
import { createMemoryBackend } from '../../storage/memory/index.ts';
import { registryKey } from '../http/handler.ts';
import type { ResourceRegistry } from '../registry/registry.ts';
import { buildRegistries } from '../server.ts';
import { NamespaceDefaults, ROOT_CA_CONFIGMAP, ROOT_CA_DESCRIPTION } from './namespace-defaults.ts';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

function setup() {
  const storage = new Store(createMemoryBackend());
  const registries = buildRegistries(newBuiltinScheme(), storage, () => new Date());
  const get = (resource: string): ResourceRegistry => {
    const r = registries.get(registryKey('', 'v1', resource));
    assert.ok(r);
    return r;
  };
  const controller = new NamespaceDefaults({
    storage,
    namespaces: get('namespaces'),
    serviceAccounts: get('serviceaccounts'),
    configMaps: get('configmaps'),
    caPem: CA,
    retryMs: 20,
  });
  return { controller, get };
}

async function eventually<T>(read: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await read().catch(() => undefined);
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('condition not reached within 2 s');
}

describe('NamespaceDefaults', () => {
  const { controller, get } = setup();
  after(() => controller.close());
  const ns = (name: string): StoredObject => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name },
  });

  it('creates the default ServiceAccount and kube-root-ca.crt in a new namespace', async () => {
    await get('namespaces').create('', ns('team-a'), { dryRun: false });
    const sa = await eventually(() => get('serviceaccounts').get('team-a', 'default'));
    assert.equal(sa.metadata?.name, 'default');
    const cm = await eventually(() => get('configmaps').get('team-a', ROOT_CA_CONFIGMAP));
    assert.deepEqual(cm['data'], { 'ca.crt': CA });
    assert.equal(cm.metadata?.annotations?.['kubernetes.io/description'], ROOT_CA_DESCRIPTION);
  });

  it('re-creates them when deleted and corrects a changed CA bundle', async () => {
    await get('serviceaccounts').delete('team-a', 'default', {}, { dryRun: false });
    const sa = await eventually(() => get('serviceaccounts').get('team-a', 'default'));
    assert.equal(sa.metadata?.name, 'default');
    const cm = await get('configmaps').get('team-a', ROOT_CA_CONFIGMAP);
    await get('configmaps').update(
      'team-a',
      ROOT_CA_CONFIGMAP,
      { ...cm, data: { 'ca.crt': 'tampered' } },
      '',
      { dryRun: false },
    );
    await eventually(async () => {
      const now = await get('configmaps').get('team-a', ROOT_CA_CONFIGMAP);
      return (now['data'] as Record<string, string>)['ca.crt'] === CA ? now : undefined;
    });
  });

  it('leaves a terminating namespace alone', async () => {
    await get('namespaces').create(
      '',
      { ...ns('going'), spec: { finalizers: ['kubernetes'] } },
      { dryRun: false },
    );
    await eventually(() => get('serviceaccounts').get('going', 'default'));
    await get('namespaces').delete('', 'going', {}, { dryRun: false });
    await get('serviceaccounts').delete('going', 'default', {}, { dryRun: false });
    await new Promise((r) => setTimeout(r, 100));
    await assert.rejects(get('serviceaccounts').get('going', 'default'), { name: 'StatusError' });
  });
});
