// Cases from Kubernetes 1.32 pkg/apis/admissionregistration/validation/validation_test.go
// (TestValidateValidatingWebhookConfiguration and friends); upstream matches a substring of
// the aggregate message, so do we, plus full messages where the text is fixed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type {
  MutatingWebhookConfiguration,
  ValidatingWebhookConfiguration,
} from 'kubernetes-types/admissionregistration/v1.js';
import {
  setMutatingWebhookConfigurationDefaults,
  setValidatingWebhookConfigurationDefaults,
  validateMutatingWebhookConfiguration,
  validateMutatingWebhookConfigurationUpdate,
  validateValidatingWebhookConfiguration,
  validateValidatingWebhookConfigurationUpdate,
} from './admissionregistration.ts';

type Hook = Record<string, unknown>;

const validClientConfig = { url: 'https://example.com' };

function vwc(hooks: Hook[], defaultVersions = true): ValidatingWebhookConfiguration {
  const webhooks = hooks.map((h) =>
    defaultVersions && h.admissionReviewVersions === undefined
      ? { admissionReviewVersions: ['v1beta1'], ...h }
      : h,
  );
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: 'config' },
    webhooks,
  } as unknown as ValidatingWebhookConfiguration;
}

function aggregate(errs: readonly { error(): string }[]): string {
  return errs.map((e) => e.error()).join(', ');
}

function rule(resources: string[], ops: string[] = ['CREATE']): Hook {
  return { operations: ops, apiGroups: ['a'], apiVersions: ['a'], resources };
}

const cases: { name: string; hooks: Hook[]; defaultVersions?: boolean; expected: string }[] = [
  {
    name: 'AdmissionReviewVersions are required',
    hooks: [{ name: 'webhook.k8s.io', clientConfig: validClientConfig, sideEffects: 'Unknown' }],
    defaultVersions: false,
    expected:
      'webhooks[0].admissionReviewVersions: Required value: must specify one of v1, v1beta1',
  },
  {
    name: 'bad AdmissionReviewVersion value',
    hooks: [
      { name: 'webhook.k8s.io', clientConfig: validClientConfig, admissionReviewVersions: ['0v'] },
    ],
    expected: 'Invalid value: "0v": a DNS-1035 label',
  },
  {
    name: 'valid AdmissionReviewVersion',
    hooks: [{ name: 'webhook.k8s.io', clientConfig: validClientConfig, sideEffects: 'None' }],
    expected: '',
  },
  {
    name: 'mix of accepted and unaccepted AdmissionReviewVersion',
    hooks: [
      {
        name: 'webhook.k8s.io',
        clientConfig: validClientConfig,
        sideEffects: 'None',
        admissionReviewVersions: ['v1beta1', 'invalid-version'],
      },
    ],
    expected: '',
  },
  {
    name: 'invalid AdmissionReviewVersion',
    hooks: [
      {
        name: 'webhook.k8s.io',
        clientConfig: validClientConfig,
        admissionReviewVersions: ['invalidVersion'],
      },
    ],
    expected: 'Invalid value: ["invalidVersion"]',
  },
  {
    name: 'duplicate AdmissionReviewVersion',
    hooks: [
      {
        name: 'webhook.k8s.io',
        clientConfig: validClientConfig,
        admissionReviewVersions: ['v1beta1', 'v1beta1'],
      },
    ],
    expected: 'Invalid value: "v1beta1": duplicate version',
  },
  {
    name: 'all Webhooks must have a fully qualified name',
    hooks: [
      { name: 'webhook.k8s.io', clientConfig: validClientConfig, sideEffects: 'None' },
      { name: 'k8s.io', clientConfig: validClientConfig, sideEffects: 'None' },
      { name: '', clientConfig: validClientConfig, sideEffects: 'None' },
    ],
    expected:
      'webhooks[1].name: Invalid value: "k8s.io": should be a domain with at least three segments separated by dots, webhooks[2].name: Required value',
  },
  {
    name: 'Webhooks must have unique names when created',
    hooks: [
      { name: 'webhook.k8s.io', clientConfig: validClientConfig, sideEffects: 'None' },
      { name: 'webhook.k8s.io', clientConfig: validClientConfig, sideEffects: 'None' },
    ],
    expected: 'webhooks[1].name: Duplicate value: "webhook.k8s.io"',
  },
  {
    name: 'Operations must not be empty or nil',
    hooks: [
      {
        name: 'webhook.k8s.io',
        clientConfig: validClientConfig,
        sideEffects: 'None',
        rules: [rule(['a'], []), { apiGroups: ['a'], apiVersions: ['a'], resources: ['a'] }],
      },
    ],
    expected:
      'webhooks[0].rules[0].operations: Required value, webhooks[0].rules[1].operations: Required value',
  },
  {
    name: '"" is NOT a valid operation',
    hooks: [
      {
        name: 'webhook.k8s.io',
        clientConfig: validClientConfig,
        sideEffects: 'None',
        rules: [rule(['a'], ['CREATE', ''])],
      },
    ],
    expected:
      'webhooks[0].rules[0].operations[1]: Unsupported value: "": supported values: "*", "CONNECT", "CREATE", "DELETE", "UPDATE"',
  },
  {
    name: 'operation must be either create/update/delete/connect',
    hooks: [
      {
        name: 'webhook.k8s.io',
        clientConfig: validClientConfig,
        sideEffects: 'None',
        rules: [rule(['a'], ['PATCH'])],
      },
    ],
    expected: 'Unsupported value: "PATCH"',
  },
  {
    name: 'wildcard operation cannot be mixed with other strings',
    hooks: [
      {
        name: 'webhook.k8s.io',
        clientConfig: validClientConfig,
        sideEffects: 'None',
        rules: [rule(['a'], ['CREATE', '*'])],
      },
    ],
    expected:
      'webhooks[0].rules[0].operations: Invalid value: ["CREATE","*"]: if \'*\' is present, must not specify other operations',
  },
  {
    name: 'resource "*" can co-exist with resources that have subresources',
    hooks: [
      {
        name: 'webhook.k8s.io',
        clientConfig: validClientConfig,
        sideEffects: 'None',
        rules: [rule(['*', 'a/b', 'a/*', '*/b'])],
      },
    ],
    expected: '',
  },
  {
    name: 'resource "*" cannot mix with resources that don\'t have subresources',
    hooks: [
      {
        name: 'webhook.k8s.io',
        clientConfig: validClientConfig,
        sideEffects: 'None',
        rules: [rule(['*', 'a'])],
      },
    ],
    expected: "if '*' is present, must not specify other resources without subresources",
  },
  {
    name: 'resource a/* cannot mix with a/x',
    hooks: [
      {
        name: 'webhook.k8s.io',
        clientConfig: validClientConfig,
        sideEffects: 'None',
        rules: [rule(['a/*', 'a/x'])],
      },
    ],
    expected:
      'webhooks[0].rules[0].resources[1]: Invalid value: "a/x": if \'a/*\' is present, must not specify a/x',
  },
  {
    name: 'resource a/* can mix with a',
    hooks: [
      {
        name: 'webhook.k8s.io',
        clientConfig: validClientConfig,
        sideEffects: 'None',
        rules: [rule(['a/*', 'a'])],
      },
    ],
    expected: '',
  },
  {
    name: 'resource */a cannot mix with x/a',
    hooks: [
      {
        name: 'webhook.k8s.io',
        clientConfig: validClientConfig,
        sideEffects: 'None',
        rules: [rule(['*/a', 'x/a'])],
      },
    ],
    expected:
      'webhooks[0].rules[0].resources[1]: Invalid value: "x/a": if \'*/a\' is present, must not specify x/a',
  },
  {
    name: 'resource */* cannot mix with other resources',
    hooks: [
      {
        name: 'webhook.k8s.io',
        clientConfig: validClientConfig,
        sideEffects: 'None',
        rules: [rule(['*/*', 'a'])],
      },
    ],
    expected:
      'webhooks[0].rules[0].resources: Invalid value: ["*/*","a"]: if \'*/*\' is present, must not specify other resources',
  },
  {
    name: 'FailurePolicy can only be "Ignore" or "Fail"',
    hooks: [
      {
        name: 'webhook.k8s.io',
        clientConfig: validClientConfig,
        sideEffects: 'None',
        failurePolicy: 'other',
      },
    ],
    expected:
      'webhooks[0].failurePolicy: Unsupported value: "other": supported values: "Fail", "Ignore"',
  },
  {
    name: 'SideEffects are required',
    hooks: [{ name: 'webhook.k8s.io', clientConfig: validClientConfig }],
    expected: 'webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun',
  },
  {
    name: 'SideEffects can only be "None" or "NoneOnDryRun" when created',
    hooks: [{ name: 'webhook.k8s.io', clientConfig: validClientConfig, sideEffects: 'other' }],
    expected:
      'webhooks[0].sideEffects: Unsupported value: "other": supported values: "None", "NoneOnDryRun"',
  },
  {
    name: 'both service and URL missing',
    hooks: [{ name: 'webhook.k8s.io', clientConfig: {}, sideEffects: 'None' }],
    expected: 'webhooks[0].clientConfig: Required value: exactly one of url or service is required',
  },
  {
    name: 'both service and URL provided',
    hooks: [
      {
        name: 'webhook.k8s.io',
        sideEffects: 'None',
        clientConfig: {
          service: { namespace: 'ns', name: 'n', port: 443 },
          url: 'example.com/k8s/webhook',
        },
      },
    ],
    expected: '[0].clientConfig: Required value: exactly one of url or service is required',
  },
  {
    name: 'blank URL',
    hooks: [{ name: 'webhook.k8s.io', sideEffects: 'None', clientConfig: { url: '' } }],
    expected: '[0].clientConfig.url: Invalid value: "": host must be specified',
  },
  {
    name: 'wrong scheme',
    hooks: [
      { name: 'webhook.k8s.io', sideEffects: 'None', clientConfig: { url: 'http://example.com' } },
    ],
    expected:
      'webhooks[0].clientConfig.url: Invalid value: "http": \'https\' is the only allowed URL scheme; desired format: https://host[/path]',
  },
  {
    name: 'missing host',
    hooks: [
      {
        name: 'webhook.k8s.io',
        sideEffects: 'None',
        clientConfig: { url: 'https:///fancy/webhook' },
      },
    ],
    expected: 'host must be specified',
  },
  {
    name: 'fragment',
    hooks: [
      {
        name: 'webhook.k8s.io',
        sideEffects: 'None',
        clientConfig: { url: 'https://example.com/#bookmark' },
      },
    ],
    expected: '"bookmark": fragments are not permitted',
  },
  {
    name: 'query',
    hooks: [
      {
        name: 'webhook.k8s.io',
        sideEffects: 'None',
        clientConfig: { url: 'https://example.com?arg=value' },
      },
    ],
    expected: '"arg=value": query parameters are not permitted',
  },
  {
    name: 'user',
    hooks: [
      {
        name: 'webhook.k8s.io',
        sideEffects: 'None',
        clientConfig: { url: 'https://harry.potter@example.com/' },
      },
    ],
    expected: '"harry.potter": user information is not permitted',
  },
  {
    name: 'just totally wrong',
    hooks: [
      {
        name: 'webhook.k8s.io',
        sideEffects: 'None',
        clientConfig: { url: 'arg#backwards=thisis?html.index/port:host//:https' },
      },
    ],
    expected: 'host must be specified',
  },
  {
    name: 'path must start with slash',
    hooks: [
      {
        name: 'webhook.k8s.io',
        sideEffects: 'None',
        clientConfig: { service: { namespace: 'ns', name: 'n', path: 'foo/', port: 443 } },
      },
    ],
    expected: 'clientConfig.service.path: Invalid value: "foo/": must start with a \'/\'',
  },
  {
    name: 'path accepts slash',
    hooks: [
      {
        name: 'webhook.k8s.io',
        sideEffects: 'None',
        clientConfig: { service: { namespace: 'ns', name: 'n', path: '/', port: 443 } },
      },
    ],
    expected: '',
  },
  {
    name: 'path fails //',
    hooks: [
      {
        name: 'webhook.k8s.io',
        sideEffects: 'None',
        clientConfig: { service: { namespace: 'ns', name: 'n', path: '//', port: 443 } },
      },
    ],
    expected: 'clientConfig.service.path: Invalid value: "//": segment[0] may not be empty',
  },
  {
    name: 'path no empty step',
    hooks: [
      {
        name: 'webhook.k8s.io',
        sideEffects: 'None',
        clientConfig: { service: { namespace: 'ns', name: 'n', path: '/foo//bar/', port: 443 } },
      },
    ],
    expected: 'clientConfig.service.path: Invalid value: "/foo//bar/": segment[1] may not be empty',
  },
  {
    name: 'path no non-subdomain',
    hooks: [
      {
        name: 'webhook.k8s.io',
        sideEffects: 'None',
        clientConfig: {
          service: { namespace: 'ns', name: 'n', path: '/apis/foo.bar/v1alpha1/--bad', port: 443 },
        },
      },
    ],
    expected:
      'clientConfig.service.path: Invalid value: "/apis/foo.bar/v1alpha1/--bad": segment[3]: a lowercase RFC 1123 subdomain',
  },
  {
    name: 'invalid port 0',
    hooks: [
      {
        name: 'webhook.k8s.io',
        sideEffects: 'None',
        clientConfig: {
          service: { namespace: 'ns', name: 'n', path: 'https://apis/foo.bar', port: 0 },
        },
      },
    ],
    expected: 'Invalid value: 0: port is not valid: must be between 1 and 65535, inclusive',
  },
  {
    name: 'invalid port >65535',
    hooks: [
      {
        name: 'webhook.k8s.io',
        sideEffects: 'None',
        clientConfig: {
          service: { namespace: 'ns', name: 'n', path: 'https://apis/foo.bar', port: 65536 },
        },
      },
    ],
    expected: 'Invalid value: 65536: port is not valid: must be between 1 and 65535, inclusive',
  },
  {
    name: 'timeout seconds cannot be greater than 30',
    hooks: [
      {
        name: 'webhook.k8s.io',
        clientConfig: validClientConfig,
        sideEffects: 'None',
        timeoutSeconds: 31,
      },
    ],
    expected:
      'webhooks[0].timeoutSeconds: Invalid value: 31: the timeout value must be between 1 and 30 seconds',
  },
  {
    name: 'timeout seconds cannot be smaller than 1',
    hooks: [
      {
        name: 'webhook.k8s.io',
        clientConfig: validClientConfig,
        sideEffects: 'None',
        timeoutSeconds: 0,
      },
    ],
    expected:
      'webhooks[0].timeoutSeconds: Invalid value: 0: the timeout value must be between 1 and 30 seconds',
  },
  {
    name: 'timeout seconds must be positive',
    hooks: [
      {
        name: 'webhook.k8s.io',
        clientConfig: validClientConfig,
        sideEffects: 'None',
        timeoutSeconds: -1,
      },
    ],
    expected:
      'webhooks[0].timeoutSeconds: Invalid value: -1: the timeout value must be between 1 and 30 seconds',
  },
  {
    name: 'valid timeout seconds',
    hooks: [
      {
        name: 'webhook.k8s.io',
        clientConfig: validClientConfig,
        sideEffects: 'None',
        timeoutSeconds: 1,
      },
      {
        name: 'webhook2.k8s.io',
        clientConfig: validClientConfig,
        sideEffects: 'None',
        timeoutSeconds: 15,
      },
      {
        name: 'webhook3.k8s.io',
        clientConfig: validClientConfig,
        sideEffects: 'None',
        timeoutSeconds: 30,
      },
    ],
    expected: '',
  },
  {
    name: 'matchPolicy and scope are checked',
    hooks: [
      {
        name: 'webhook.k8s.io',
        clientConfig: validClientConfig,
        sideEffects: 'None',
        matchPolicy: 'Other',
        rules: [{ ...rule(['a']), scope: 'Other' }],
      },
    ],
    expected:
      'webhooks[0].rules[0].scope: Unsupported value: "Other": supported values: "*", "Cluster", "Namespaced", webhooks[0].matchPolicy: Unsupported value: "Other": supported values: "Equivalent", "Exact"',
  },
  {
    name: 'selectors are validated',
    hooks: [
      {
        name: 'webhook.k8s.io',
        clientConfig: validClientConfig,
        sideEffects: 'None',
        namespaceSelector: { matchExpressions: [{ key: 'a', operator: 'Bad' }] },
        objectSelector: { matchLabels: { a: '-' } },
      },
    ],
    expected:
      'webhooks[0].namespaceSelector.matchExpressions[0].operator: Invalid value: "Bad": not a valid selector operator',
  },
  {
    name: 'matchConditions need a name and an expression, names unique',
    hooks: [
      {
        name: 'webhook.k8s.io',
        clientConfig: validClientConfig,
        sideEffects: 'None',
        matchConditions: [
          { name: 'a', expression: ' ' },
          { name: '', expression: 'true' },
          { name: 'a', expression: 'true' },
        ],
      },
    ],
    expected:
      'webhooks[0].matchConditions[0].expression: Required value, webhooks[0].matchConditions[1].name: Required value, webhooks[0].matchConditions[2].name: Duplicate value: "a"',
  },
];

describe('validateValidatingWebhookConfiguration', () => {
  for (const c of cases) {
    it(c.name, () => {
      const got = aggregate(
        validateValidatingWebhookConfiguration(vwc(c.hooks, c.defaultVersions ?? true)),
      );
      if (c.expected === '') assert.equal(got, '');
      else assert.ok(got.includes(c.expected), `got: ${got}`);
    });
  }
});

describe('validateMutatingWebhookConfiguration', () => {
  it('checks reinvocationPolicy', () => {
    const obj = {
      ...vwc([
        {
          name: 'webhook.k8s.io',
          clientConfig: validClientConfig,
          sideEffects: 'None',
          reinvocationPolicy: 'Sometimes',
        },
      ]),
      kind: 'MutatingWebhookConfiguration',
    } as unknown as MutatingWebhookConfiguration;
    assert.equal(
      aggregate(validateMutatingWebhookConfiguration(obj)),
      'webhooks[0].reinvocationPolicy: Unsupported value: "Sometimes": supported values: "IfNeeded", "Never"',
    );
  });
});

describe('update ratcheting', () => {
  const old = vwc([
    {
      name: 'webhook.k8s.io',
      clientConfig: validClientConfig,
      sideEffects: 'Unknown',
      admissionReviewVersions: ['invalid-v1'],
    },
    {
      name: 'webhook.k8s.io',
      clientConfig: validClientConfig,
      sideEffects: 'Some',
      admissionReviewVersions: ['invalid-v1'],
    },
  ]);
  it('keeps side effects, unknown versions and duplicate names the stored object had', () => {
    assert.equal(aggregate(validateValidatingWebhookConfigurationUpdate(old, old)), '');
    const asMutating = old as unknown as MutatingWebhookConfiguration;
    assert.equal(aggregate(validateMutatingWebhookConfigurationUpdate(asMutating, asMutating)), '');
  });
  it('enforces them when the stored object followed the rules', () => {
    const good = vwc([
      { name: 'webhook.k8s.io', clientConfig: validClientConfig, sideEffects: 'None' },
    ]);
    const errs = aggregate(validateValidatingWebhookConfigurationUpdate(old, good));
    assert.ok(errs.includes('webhooks[0].sideEffects: Unsupported value: "Unknown"'), errs);
    assert.ok(errs.includes('webhooks[1].name: Duplicate value: "webhook.k8s.io"'), errs);
    assert.ok(errs.includes('must include at least one of v1, v1beta1'), errs);
  });
  it('allows invalid selector label values only when the stored object had them', () => {
    const bad = vwc([
      {
        name: 'webhook.k8s.io',
        clientConfig: validClientConfig,
        sideEffects: 'None',
        objectSelector: { matchExpressions: [{ key: 'a', operator: 'In', values: ['-bad-'] }] },
      },
    ]);
    const good = vwc([
      { name: 'webhook.k8s.io', clientConfig: validClientConfig, sideEffects: 'None' },
    ]);
    assert.equal(aggregate(validateValidatingWebhookConfigurationUpdate(bad, bad)), '');
    assert.match(
      aggregate(validateValidatingWebhookConfigurationUpdate(bad, good)),
      /objectSelector\.matchExpressions\[0\]\.values\[0\]: Invalid value: "-bad-"/,
    );
  });
});

describe('defaults', () => {
  it('sets upstream v1 defaults on mutating webhooks', () => {
    const obj = {
      webhooks: [
        {
          name: 'a.b.c',
          clientConfig: { service: { namespace: 'ns', name: 'svc' } },
          rules: [
            { operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] },
          ],
          sideEffects: 'None',
          admissionReviewVersions: ['v1'],
        },
      ],
    } as unknown as MutatingWebhookConfiguration;
    setMutatingWebhookConfigurationDefaults(obj);
    assert.deepEqual(obj.webhooks?.[0], {
      name: 'a.b.c',
      clientConfig: { service: { namespace: 'ns', name: 'svc', port: 443 } },
      rules: [
        {
          operations: ['CREATE'],
          apiGroups: [''],
          apiVersions: ['v1'],
          resources: ['pods'],
          scope: '*',
        },
      ],
      sideEffects: 'None',
      admissionReviewVersions: ['v1'],
      failurePolicy: 'Fail',
      matchPolicy: 'Equivalent',
      namespaceSelector: {},
      objectSelector: {},
      timeoutSeconds: 10,
      reinvocationPolicy: 'Never',
    });
  });
  it('keeps set values and gives validating webhooks no reinvocationPolicy', () => {
    const obj = vwc([
      {
        name: 'a.b.c',
        clientConfig: validClientConfig,
        sideEffects: 'None',
        failurePolicy: 'Ignore',
        timeoutSeconds: 3,
      },
    ]);
    setValidatingWebhookConfigurationDefaults(obj);
    const hook = obj.webhooks?.[0] as unknown as Record<string, unknown>;
    assert.equal(hook.failurePolicy, 'Ignore');
    assert.equal(hook.timeoutSeconds, 3);
    assert.equal(hook.reinvocationPolicy, undefined);
    assert.equal(aggregate(validateValidatingWebhookConfiguration(obj)), '');
  });
});
