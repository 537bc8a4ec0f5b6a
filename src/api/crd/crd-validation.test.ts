import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  prepareCrdForCreate,
  setCrdDefaults,
  validateCrd,
  validateCrdStatusUpdate,
  validateCrdUpdate,
} from './index.ts';
import type { CustomResourceDefinition, CrdJSONSchemaProps as JSONSchemaProps } from './index.ts';

function base(): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'crontabs.stable.example.com' },
    spec: {
      group: 'stable.example.com',
      scope: 'Namespaced',
      names: { plural: 'crontabs', kind: 'CronTab', shortNames: ['ct'] },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  properties: {
                    cronSpec: { type: 'string' },
                    replicas: { type: 'integer', default: 1 },
                  },
                },
              },
            },
          },
        },
      ],
    },
  };
}

function errors(mutate: (crd: CustomResourceDefinition) => void): string[] {
  const crd = base();
  mutate(crd);
  setCrdDefaults(crd);
  prepareCrdForCreate(crd);
  return validateCrd(crd).map((e) => e.error());
}

function schemaOf(crd: CustomResourceDefinition): JSONSchemaProps {
  const s = crd.spec.versions?.[0]?.schema?.openAPIV3Schema;
  assert.ok(s);
  return s;
}

describe('setCrdDefaults', () => {
  it('fills singular, listKind, conversion and storedVersions as upstream', () => {
    const crd = base();
    setCrdDefaults(crd);
    assert.equal(crd.spec.names?.singular, 'crontab');
    assert.equal(crd.spec.names.listKind, 'CronTabList');
    assert.deepEqual(crd.spec.conversion, { strategy: 'None' });
    assert.deepEqual(crd.status?.storedVersions, ['v1']);
  });
});

describe('validateCrd', () => {
  const cases: { name: string; mutate: (crd: CustomResourceDefinition) => void; want: string[] }[] =
    [
      { name: 'valid', mutate: () => undefined, want: [] },
      {
        name: 'name must be plural.group',
        mutate: (c) => {
          c.metadata = { name: 'foo.stable.example.com' };
        },
        want: [
          'metadata.name: Invalid value: "foo.stable.example.com": must be spec.names.plural+"."+spec.group',
        ],
      },
      {
        name: 'group needs a dot',
        mutate: (c) => {
          c.spec.group = 'example';
          c.metadata = { name: 'crontabs.example' };
        },
        want: ['spec.group: Invalid value: "example": should be a domain with at least one dot'],
      },
      {
        name: 'scope',
        mutate: (c) => {
          c.spec.scope = 'Global';
        },
        want: [
          'spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"',
        ],
      },
      {
        name: 'schemas are required',
        mutate: (c) => {
          const v = c.spec.versions?.[0];
          if (v) delete v.schema;
        },
        want: ['spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required'],
      },
      {
        name: 'structural: missing type of a property',
        mutate: (c) => {
          const s = schemaOf(c);
          s.properties = { spec: { properties: { a: { type: 'string' } } } };
        },
        want: [
          'spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields',
        ],
      },
      {
        name: 'kind mixed case rules and shortNames',
        mutate: (c) => {
          c.spec.names = { plural: 'crontabs', kind: 'Cron_Tab', shortNames: ['CT'] };
        },
        want: [
          "spec.names.singular: Invalid value: \"cron_tab\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
          "spec.names.kind: Invalid value: \"Cron_Tab\": may have mixed case, but should otherwise match: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
          "spec.names.listKind: Invalid value: \"Cron_TabList\": may have mixed case, but should otherwise match: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
          "spec.names.shortNames[0]: Invalid value: \"CT\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
        ],
      },
      {
        name: 'uniqueItems and additionalProperties with properties',
        mutate: (c) => {
          const s = schemaOf(c);
          s.properties = {
            spec: {
              type: 'object',
              properties: { a: { type: 'string' } },
              additionalProperties: { type: 'string' },
            },
            l: { type: 'array', items: { type: 'string' }, uniqueItems: true },
          };
        },
        want: [
          'spec.versions[0].schema.openAPIV3Schema.properties[spec].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive',
          'spec.versions[0].schema.openAPIV3Schema.properties[l].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic',
        ],
      },
      {
        name: 'default of the wrong type',
        mutate: (c) => {
          const s = schemaOf(c);
          s.properties = {
            spec: { type: 'object', properties: { n: { type: 'integer', default: 'x' } } },
          };
        },
        want: [
          'spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[n].default: Invalid value: "string":  in body must be of type integer: "string"',
        ],
      },
      {
        name: 'default with unknown fields',
        mutate: (c) => {
          const s = schemaOf(c);
          s.properties = {
            spec: {
              type: 'object',
              properties: {
                o: {
                  type: 'object',
                  properties: { a: { type: 'string' } },
                  default: { a: 'x', b: 'y' },
                },
              },
            },
          };
        },
        want: [
          'spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[o].default: Invalid value: {"a":"x","b":"y"}: must not have unknown fields',
        ],
      },
      {
        name: 'default in top-level metadata',
        mutate: (c) => {
          const s = schemaOf(c);
          s.properties = { metadata: { type: 'object', default: {} } };
        },
        want: [
          'spec.versions[0].schema.openAPIV3Schema.properties[metadata].default: Forbidden: must not be set in top-level metadata',
        ],
      },
      {
        name: 'forbidden keywords',
        mutate: (c) => {
          const s = schemaOf(c);
          s.properties = { a: { type: 'string', $ref: '#/x' }, b: { type: 'null' } };
        },
        want: [
          'spec.versions[0].schema.openAPIV3Schema.properties[a].$ref: Forbidden: $ref is not supported',
          'spec.versions[0].schema.openAPIV3Schema.properties[b].type: Unsupported value: "null": supported values: "array", "boolean", "integer", "number", "object", "string"',
          'spec.versions[0].schema.openAPIV3Schema.properties[b].type: Forbidden: type cannot be set to null, use nullable as an alternative',
        ],
      },
      {
        name: 'list-type map needs keys that exist',
        mutate: (c) => {
          const s = schemaOf(c);
          s.properties = {
            l: {
              type: 'array',
              'x-kubernetes-list-type': 'map',
              'x-kubernetes-list-map-keys': ['name'],
              items: { type: 'object', properties: { value: { type: 'string' } } },
            },
          };
        },
        want: [
          'spec.versions[0].schema.openAPIV3Schema.properties[l].x-kubernetes-list-map-keys: Invalid value: ["name"]: entries must all be names of item properties',
        ],
      },
      {
        name: 'list-map key must be required or defaulted',
        mutate: (c) => {
          const s = schemaOf(c);
          s.properties = {
            l: {
              type: 'array',
              'x-kubernetes-list-type': 'map',
              'x-kubernetes-list-map-keys': ['name'],
              items: { type: 'object', properties: { name: { type: 'string' } } },
            },
          };
        },
        want: [
          'spec.versions[0].schema.openAPIV3Schema.properties[l].items.properties[name].default: Required value: this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property',
        ],
      },
      {
        name: 'list-type on a non-array',
        mutate: (c) => {
          const s = schemaOf(c);
          s.properties = { l: { type: 'string', 'x-kubernetes-list-type': 'set' } };
        },
        want: [
          'spec.versions[0].schema.openAPIV3Schema.properties[l].type: Invalid value: "string": must be array if x-kubernetes-list-type is specified',
        ],
      },
      {
        name: 'printer columns',
        mutate: (c) => {
          const v = c.spec.versions?.[0];
          if (v) v.additionalPrinterColumns = [{ name: 'X', type: 'text', jsonPath: 'spec.x' }];
        },
        want: [
          'spec.versions[0].additionalPrinterColumns[0].type: Invalid value: "text": must be one of boolean,date,integer,number,string',
          'spec.versions[0].additionalPrinterColumns[0].JSONPath: Invalid value: "spec.x": must be a simple json path starting with .',
        ],
      },
      {
        name: 'scale paths',
        mutate: (c) => {
          const v = c.spec.versions?.[0];
          if (v)
            v.subresources = {
              scale: { specReplicasPath: '.status.replicas', statusReplicasPath: '' },
            };
        },
        want: [
          'spec.versions[0].subresources.scale.specReplicasPath: Invalid value: ".status.replicas": should be a json path under .spec',
          'spec.versions[0].subresources.scale.statusReplicasPath: Required value',
        ],
      },
      {
        name: 'selectable fields',
        mutate: (c) => {
          const v = c.spec.versions?.[0];
          if (v) {
            v.selectableFields = [
              { jsonPath: '.spec.cronSpec' },
              { jsonPath: '.spec' },
              { jsonPath: '.spec.nope' },
              { jsonPath: '.spec.cronSpec' },
            ];
          }
        },
        want: [
          'spec.versions[0].selectableFields[1].jsonPath: Invalid value: ".spec": must point to a field of type string, boolean or integer. Enum string fields and strings with formats are allowed.',
          'spec.versions[0].selectableFields[2].jsonPath: Invalid value: ".spec.nope": is an invalid path: does not refer to a valid field',
          'spec.versions[0].selectableFields[3].jsonPath: Duplicate value: ".spec.cronSpec"',
        ],
      },
      {
        name: 'preserveUnknownFields true is rejected in v1',
        mutate: (c) => {
          c.spec.preserveUnknownFields = true;
        },
        want: [
          'spec.preserveUnknownFields: Invalid value: true: must be false in order to use defaults in the schema',
          'spec.preserveUnknownFields: Invalid value: true: cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead',
        ],
      },
      {
        name: 'webhook conversion needs a client config',
        mutate: (c) => {
          c.spec.conversion = { strategy: 'Webhook' };
        },
        want: [
          'spec.conversion.webhookClientConfig: Required value: required when strategy is set to Webhook',
          'spec.conversion.conversionReviewVersions: Required value',
        ],
      },
      {
        name: 'protected group needs approval',
        mutate: (c) => {
          c.spec.group = 'foo.k8s.io';
          c.metadata = { name: 'crontabs.foo.k8s.io' };
        },
        want: [
          'metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111',
        ],
      },
    ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(errors(c.mutate), c.want);
    });
  }

  it('duplicate versions and two storage versions', () => {
    const got = errors((c) => {
      const v = c.spec.versions?.[0];
      if (v) c.spec.versions?.push(structuredClone(v));
    }).map((m) => m.replace(/Invalid value: [[{].*[\]}]: /, 'Invalid value: ...: '));
    assert.deepEqual(got, [
      'spec.versions: Invalid value: ...: must contain unique version names',
      'spec.versions: Invalid value: ...: must have exactly one version marked as storage version',
      'status.storedVersions: Invalid value: ...: must have the storage version v1',
    ]);
  });
});

describe('validateCrd hooks and unsupported keywords', () => {
  it('calls validateRules for nodes with x-kubernetes-validations', () => {
    const crd = base();
    setCrdDefaults(crd);
    prepareCrdForCreate(crd);
    const s = schemaOf(crd);
    s['x-kubernetes-validations'] = [{ rule: 'self.spec.replicas > 0' }];
    const seen: string[] = [];
    const errs = validateCrd(crd, {
      validateRules: (node, p) => {
        seen.push(`${p.toString()}:${String(node['x-kubernetes-validations']?.length)}`);
        return [];
      },
    });
    assert.deepEqual(errs, []);
    assert.deepEqual(seen, ['spec.versions[0].schema.openAPIV3Schema:1']);
  });
  it('skips structural checks when a forbidden keyword is present', () => {
    const got = errors((c) => {
      const s = schemaOf(c);
      s.properties = { a: { $ref: '#/definitions/x' } };
    });
    assert.deepEqual(got, [
      'spec.versions[0].schema.openAPIV3Schema.properties[a].$ref: Forbidden: $ref is not supported',
    ]);
  });
});

describe('validateCrdUpdate', () => {
  function prepared(): CustomResourceDefinition {
    const c = base();
    setCrdDefaults(c);
    prepareCrdForCreate(c);
    c.metadata = { ...c.metadata, resourceVersion: '1' };
    return c;
  }
  it('group and plural are immutable; scope and kind once established', () => {
    const old = prepared();
    old.status = {
      ...old.status,
      conditions: [{ type: 'Established', status: 'True' }],
    };
    const next = structuredClone(old);
    next.spec.scope = 'Cluster';
    if (next.spec.names) next.spec.names.kind = 'Other';
    if (next.spec.names) next.spec.names.listKind = 'OtherList';
    assert.deepEqual(
      validateCrdUpdate(next, old).map((e) => e.error()),
      [
        'spec.scope: Invalid value: "Cluster": field is immutable',
        'spec.names.kind: Invalid value: "Other": field is immutable',
      ],
    );
    const notEstablished = prepared();
    assert.deepEqual(validateCrdUpdate(structuredClone(next), notEstablished), []);
  });
  it('stored versions must stay in spec.versions', () => {
    const old = prepared();
    const next = structuredClone(old);
    next.status = { storedVersions: ['v1', 'v0'] };
    assert.deepEqual(
      validateCrdUpdate(next, old).map((e) => e.error()),
      [
        'status.storedVersions[1]: Invalid value: "v0": missing from spec.versions; v0 was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in v0 and removes v0 from status.storedVersions',
      ],
    );
    // the status subresource does not check stored versions (upstream)
    assert.deepEqual(validateCrdStatusUpdate(next, old), []);
  });
});
