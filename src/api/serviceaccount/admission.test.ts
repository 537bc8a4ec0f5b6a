// Cases after upstream plugin/pkg/admission/serviceaccount/admission_test.go.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, ServiceAccount } from 'kubernetes-types/core/v1.js';
import { StatusError, newServerTimeout } from '../errors.ts';
import type { JsonObject, PluginAttributes } from '../quota/index.ts';
import { admitServiceAccount, tokenVolumeSource, validateServiceAccount } from './admission.ts';
import type { ServiceAccountLookup } from './admission.ts';

const accounts = new Map<string, ServiceAccount>([
  ['ns/default', { metadata: { name: 'default', namespace: 'ns' } }],
  [
    'ns/pulls',
    {
      metadata: { name: 'pulls', namespace: 'ns' },
      imagePullSecrets: [{ name: 'foo' }, { name: 'bar' }],
    },
  ],
  [
    'ns/no-automount',
    { metadata: { name: 'no-automount', namespace: 'ns' }, automountServiceAccountToken: false },
  ],
  [
    'ns/enforce',
    {
      metadata: {
        name: 'enforce',
        namespace: 'ns',
        annotations: { 'kubernetes.io/enforce-mountable-secrets': 'true' },
      },
      secrets: [{ name: 'foo' }],
      imagePullSecrets: [{ name: 'pull' }],
    },
  ],
]);
const lookup: ServiceAccountLookup = (ns, name) => accounts.get(`${ns}/${name}`);
const zero = (): number => 0; // suffix "bbbbb"

function attrs(pod: Pod, over: Partial<PluginAttributes> = {}): PluginAttributes {
  return {
    operation: 'CREATE',
    resource: { group: '', resource: 'pods' },
    subresource: '',
    name: pod.metadata?.name ?? '',
    namespace: 'ns',
    object: pod as unknown as JsonObject,
    ...over,
  };
}

function pod(spec: Partial<Pod['spec']> = {}, annotations?: Record<string, string>): Pod {
  return {
    metadata: { name: 'p', namespace: 'ns', ...(annotations ? { annotations } : {}) },
    spec: { containers: [{ name: 'c' }], ...spec },
  };
}

async function rejectsWith(p: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof StatusError);
    assert.equal(err.status.code, 403);
    assert.equal(err.message, message);
    return true;
  });
}

const mount = {
  name: 'kube-api-access-bbbbb',
  readOnly: true,
  mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
};

describe('admitServiceAccount', () => {
  it('ignores other resources, subresources and updates', async () => {
    const p = pod();
    assert.equal(
      await admitServiceAccount(attrs(p, { resource: { group: '', resource: 'secrets' } }), lookup),
      undefined,
    );
    assert.equal(await admitServiceAccount(attrs(p, { subresource: 'status' }), lookup), undefined);
    assert.equal(
      await admitServiceAccount(
        attrs(p, { operation: 'UPDATE', oldObject: p as unknown as JsonObject }),
        lookup,
      ),
      undefined,
    );
  });

  it('assigns the default service account and mounts the token volume', async () => {
    const input = pod({ initContainers: [{ name: 'i' }] });
    const out = await admitServiceAccount(attrs(input), lookup, { randomInt: zero });
    assert.ok(out);
    assert.equal(out.spec?.serviceAccountName, 'default');
    assert.deepEqual(out.spec.volumes, [
      { name: 'kube-api-access-bbbbb', projected: tokenVolumeSource() },
    ]);
    assert.deepEqual(out.spec.containers[0]?.volumeMounts, [mount]);
    assert.deepEqual(out.spec.initContainers?.[0]?.volumeMounts, [mount]);
    // The input is not modified.
    assert.equal(input.spec?.serviceAccountName, undefined);
  });

  it('builds the projected volume exactly as upstream', () => {
    assert.deepEqual(tokenVolumeSource(), {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        {
          downwardAPI: {
            items: [
              {
                path: 'namespace',
                fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' },
              },
            ],
          },
        },
      ],
    });
  });

  it('rejects a missing service account with upstream message', async () => {
    await rejectsWith(
      admitServiceAccount(attrs(pod({ serviceAccountName: 'missing' })), lookup),
      'pods "p" is forbidden: error looking up service account ns/missing: serviceaccount "missing" not found',
    );
    await rejectsWith(
      admitServiceAccount(attrs(pod(), { namespace: 'empty' }), lookup),
      'pods "p" is forbidden: error looking up service account empty/default: serviceaccount "default" not found',
    );
  });

  it('wraps lookup errors', async () => {
    const failing: ServiceAccountLookup = () => {
      throw newServerTimeout({ group: '', resource: 'serviceaccounts' }, 'get', 1);
    };
    await assert.rejects(admitServiceAccount(attrs(pod()), failing), (err: unknown) => {
      assert.ok(err instanceof StatusError);
      assert.match(
        err.message,
        /^pods "p" is forbidden: error looking up service account ns\/default: /,
      );
      return true;
    });
  });

  const automount: [string, Partial<Pod['spec']>, boolean][] = [
    ['account disables automount', { serviceAccountName: 'no-automount' }, false],
    [
      'pod enables over account',
      { serviceAccountName: 'no-automount', automountServiceAccountToken: true },
      true,
    ],
    ['pod disables', { automountServiceAccountToken: false }, false],
  ];
  for (const [name, spec, mounted] of automount) {
    it(`automount: ${name}`, async () => {
      const out = await admitServiceAccount(attrs(pod(spec)), lookup, { randomInt: zero });
      assert.equal(out?.spec?.volumes?.length ?? 0, mounted ? 1 : 0);
      assert.equal(out?.spec?.containers[0]?.volumeMounts?.length ?? 0, mounted ? 1 : 0);
    });
  }

  it('respects an existing mount at the token path and an existing token volume', async () => {
    const own = { name: 'mine', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' };
    const out = await admitServiceAccount(
      attrs(pod({ containers: [{ name: 'a', volumeMounts: [own] }, { name: 'b' }] })),
      lookup,
      { randomInt: zero },
    );
    assert.ok(out?.spec);
    assert.deepEqual(out.spec.containers[0]?.volumeMounts, [own]);
    assert.deepEqual(out.spec.containers[1]?.volumeMounts, [mount]);

    const existing = { name: 'kube-api-access-xyz12', emptyDir: {} };
    const out2 = await admitServiceAccount(attrs(pod({ volumes: [existing] })), lookup, {
      randomInt: zero,
    });
    assert.ok(out2?.spec);
    assert.deepEqual(out2.spec.volumes, [existing]);
    assert.equal(out2.spec.containers[0]?.volumeMounts?.[0]?.name, 'kube-api-access-xyz12');

    // Nothing to mount: no volume added.
    const out3 = await admitServiceAccount(
      attrs(pod({ containers: [{ name: 'a', volumeMounts: [own] }] })),
      lookup,
      { randomInt: zero },
    );
    assert.equal(out3?.spec?.volumes, undefined);
  });

  it('copies imagePullSecrets only when the pod has none', async () => {
    const out = await admitServiceAccount(attrs(pod({ serviceAccountName: 'pulls' })), lookup);
    assert.deepEqual(out?.spec?.imagePullSecrets, [{ name: 'foo' }, { name: 'bar' }]);
    const out2 = await admitServiceAccount(
      attrs(pod({ serviceAccountName: 'pulls', imagePullSecrets: [{ name: 'mine' }] })),
      lookup,
    );
    assert.deepEqual(out2?.spec?.imagePullSecrets, [{ name: 'mine' }]);
  });

  const mirrorAnn = { 'kubernetes.io/config.mirror': 'x' };
  const mirrorCases: [string, Pod, string | undefined][] = [
    ['plain mirror pod is left alone', pod({}, mirrorAnn), undefined],
    [
      'mirror pod with service account',
      pod({ serviceAccountName: 'default' }, mirrorAnn),
      'pods "p" is forbidden: a mirror pod may not reference service accounts',
    ],
    [
      'mirror pod with secret volume',
      pod({ volumes: [{ name: 'v', secret: { secretName: 's' } }] }, mirrorAnn),
      'pods "p" is forbidden: a mirror pod may not reference secrets',
    ],
    [
      'mirror pod with env secret',
      pod(
        {
          containers: [
            {
              name: 'c',
              env: [{ name: 'E', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
            },
          ],
        },
        mirrorAnn,
      ),
      'pods "p" is forbidden: a mirror pod may not reference secrets',
    ],
    [
      'mirror pod with token projection',
      pod(
        {
          volumes: [
            { name: 'v', projected: { sources: [{ serviceAccountToken: { path: 't' } }] } },
          ],
        },
        mirrorAnn,
      ),
      'pods "p" is forbidden: a mirror pod may not use ServiceAccountToken volume projections',
    ],
  ];
  for (const [name, p, want] of mirrorCases) {
    it(name, async () => {
      if (want === undefined) assert.equal(await admitServiceAccount(attrs(p), lookup), undefined);
      else await rejectsWith(admitServiceAccount(attrs(p), lookup), want);
    });
  }

  const enforce: [string, Partial<Pod['spec']>, string | undefined][] = [
    [
      'allowed secret volume',
      { volumes: [{ name: 'v', secret: { secretName: 'foo' } }] },
      undefined,
    ],
    [
      'disallowed secret volume',
      { volumes: [{ name: 'v', secret: { secretName: 'bar' } }] },
      'pods "p" is forbidden: volume with secret.secretName="bar" is not allowed because service account enforce does not reference that secret',
    ],
    [
      'disallowed container env',
      {
        containers: [
          {
            name: 'c',
            env: [{ name: 'E', valueFrom: { secretKeyRef: { name: 'bar', key: 'k' } } }],
          },
        ],
      },
      'pods "p" is forbidden: container c with envVar E referencing secret.secretName="bar" is not allowed because service account enforce does not reference that secret',
    ],
    [
      'disallowed container envFrom',
      { containers: [{ name: 'c', envFrom: [{ secretRef: { name: 'bar' } }] }] },
      'pods "p" is forbidden: container c with envFrom referencing secret.secretName="bar" is not allowed because service account enforce does not reference that secret',
    ],
    [
      'disallowed init container env',
      {
        initContainers: [
          {
            name: 'i',
            env: [{ name: 'E', valueFrom: { secretKeyRef: { name: 'bar', key: 'k' } } }],
          },
        ],
      },
      'pods "p" is forbidden: init container i with envVar E referencing secret.secretName="bar" is not allowed because service account enforce does not reference that secret',
    ],
    ['allowed pull secret', { imagePullSecrets: [{ name: 'pull' }] }, undefined],
    [
      'disallowed pull secret',
      { imagePullSecrets: [{ name: 'pull' }, { name: 'other' }] },
      'pods "p" is forbidden: imagePullSecrets[1].name="other" is not allowed because service account enforce does not reference that imagePullSecret',
    ],
  ];
  for (const [name, spec, want] of enforce) {
    it(`enforce mountable secrets: ${name}`, async () => {
      const p = pod({ serviceAccountName: 'enforce', ...spec });
      if (want === undefined) assert.ok(await admitServiceAccount(attrs(p), lookup));
      else await rejectsWith(admitServiceAccount(attrs(p), lookup), want);
    });
  }
});

describe('validateServiceAccount', () => {
  it('requires a service account on create', async () => {
    await rejectsWith(
      validateServiceAccount(attrs(pod()), lookup),
      'pods "p" is forbidden: no service account specified for pod ns/p',
    );
    await validateServiceAccount(attrs(pod({ serviceAccountName: 'default' })), lookup);
  });

  it('does not validate plain updates', async () => {
    const p = pod({ serviceAccountName: 'missing' });
    await validateServiceAccount(
      attrs(p, { operation: 'UPDATE', oldObject: p as unknown as JsonObject }),
      lookup,
    );
  });

  it('limits ephemeral container secrets on the ephemeralcontainers subresource', async () => {
    const p = pod({
      serviceAccountName: 'enforce',
      ephemeralContainers: [
        {
          name: 'debug',
          env: [{ name: 'E', valueFrom: { secretKeyRef: { name: 'bar', key: 'k' } } }],
        },
      ],
    });
    await rejectsWith(
      validateServiceAccount(
        attrs(p, { operation: 'UPDATE', subresource: 'ephemeralcontainers' }),
        lookup,
      ),
      'pods "p" is forbidden: ephemeral container debug with envVar E referencing secret.secretName="bar" is not allowed because service account enforce does not reference that secret',
    );
    const ok = pod({
      serviceAccountName: 'enforce',
      ephemeralContainers: [{ name: 'debug', envFrom: [{ secretRef: { name: 'foo' } }] }],
    });
    await validateServiceAccount(
      attrs(ok, { operation: 'UPDATE', subresource: 'ephemeralcontainers' }),
      lookup,
    );
    const noSa = pod({ ephemeralContainers: [{ name: 'debug' }] });
    await rejectsWith(
      validateServiceAccount(
        attrs(noSa, { operation: 'UPDATE', subresource: 'ephemeralcontainers' }),
        lookup,
      ),
      'pods "p" is forbidden: no service account specified for pod ns/p',
    );
  });
});
