import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateCreate, validateUpdate } from './index.ts';
import { at, defaulted, messages, runCases } from './test-util.ts';
import type { Case, Json } from './test-util.ts';

/** `kubectl create ingress i --rule="foo.com/bar=svc1:8080"`. */
const INGRESS: Json = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'i', namespace: 'default' },
  spec: {
    rules: [
      {
        host: 'foo.com',
        http: {
          paths: [
            {
              path: '/bar',
              pathType: 'Exact',
              backend: { service: { name: 'svc1', port: { number: 8080 } } },
            },
          ],
        },
      },
    ],
  },
};
const path0 = (o: Json): Json => at(o, 'spec', 'rules', 0, 'http', 'paths', 0);
const rule0 = (o: Json): Json => at(o, 'spec', 'rules', 0);

const ingressCases: Case[] = [
  { name: 'valid ingress', mutate: () => undefined, expected: [] },
  {
    name: 'wildcard host',
    mutate: (o) => (rule0(o).host = '*.foo.com'),
    expected: [],
  },
  {
    name: 'bad wildcard host',
    mutate: (o) => (rule0(o).host = '*.*.foo.com'),
    expected: [
      "spec.rules[0].host: Invalid value: \"*.*.foo.com\": a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ],
  },
  {
    name: 'IP host',
    mutate: (o) => (rule0(o).host = '1.2.3.4'),
    expected: [
      'spec.rules[0].host: Invalid value: "1.2.3.4": must be a DNS name, not an IP address',
    ],
  },
  {
    name: 'pathType required',
    mutate: (o) => delete path0(o).pathType,
    expected: ['spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified'],
  },
  {
    name: 'Prefix path must be absolute and clean',
    mutate: (o) => {
      path0(o).pathType = 'Prefix';
      path0(o).path = 'bar//x';
    },
    expected: [
      'spec.rules[0].http.paths[0].path: Invalid value: "bar//x": must be an absolute path',
      'spec.rules[0].http.paths[0].path: Invalid value: "bar//x": must not contain \'//\'',
    ],
  },
  {
    name: 'pathType not supported',
    mutate: (o) => (path0(o).pathType = 'Regex'),
    expected: [
      'spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"',
    ],
  },
  {
    name: 'backend needs service or resource',
    mutate: (o) => (path0(o).backend = {}),
    expected: [
      'spec.rules[0].http.paths[0].backend: Invalid value: "": resource or service backend is required',
    ],
  },
  {
    name: 'service port name or number',
    mutate: (o) => (path0(o).backend = { service: { name: 'svc1', port: {} } }),
    expected: [
      'spec.rules[0].http.paths[0].backend: Required value: port name or number is required',
    ],
  },
  {
    name: 'both port name and number',
    mutate: (o) =>
      (path0(o).backend = { service: { name: 'svc1', port: { name: 'http', number: 80 } } }),
    expected: [
      'spec.rules[0].http.paths[0].backend: Invalid value: "": cannot set both port name & port number',
    ],
  },
  {
    name: 'rules or default backend required',
    mutate: (o) => (at(o, 'spec').rules = []),
    expected: ['spec: Invalid value: []: either `defaultBackend` or `rules` must be specified'],
  },
];

void describe('ingress validation', () => {
  runCases(INGRESS, ingressCases, validateCreate, it);
});

const NETPOL: Json = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'np', namespace: 'default' },
  spec: {
    podSelector: { matchLabels: { app: 'db' } },
    ingress: [{ from: [{ podSelector: {} }], ports: [{ port: 5432 }] }],
    policyTypes: ['Ingress'],
  },
};

const netpolCases: Case[] = [
  { name: 'valid network policy', mutate: () => undefined, expected: [] },
  {
    name: 'peer required',
    mutate: (o) => (at(o, 'spec', 'ingress', 0).from = [{}]),
    expected: ['spec.ingress[0].from[0]: Required value: must specify a peer'],
  },
  {
    name: 'ipBlock with another peer; except outside the cidr',
    mutate: (o) =>
      (at(o, 'spec', 'ingress', 0).from = [
        {
          podSelector: {},
          ipBlock: { cidr: '10.0.0.0/16', except: ['10.1.0.0/24', '10.0.0.0/8'] },
        },
      ]),
    expected: [
      'spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: "10.1.0.0/24": must be a strict subset of `cidr`',
      'spec.ingress[0].from[0].ipBlock.except[1]: Invalid value: "10.0.0.0/8": must be a strict subset of `cidr`',
      'spec.ingress[0].from[0]: Forbidden: may not specify both ipBlock and another peer',
    ],
  },
  {
    name: 'invalid cidr',
    mutate: (o) => (at(o, 'spec', 'ingress', 0).from = [{ ipBlock: { cidr: '10.0.0.0/33' } }]),
    expected: [
      'spec.ingress[0].from[0].ipBlock.cidr: Invalid value: "10.0.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
    ],
  },
  {
    name: 'endPort below port',
    mutate: (o) =>
      (at(o, 'spec', 'ingress', 0).ports = [{ protocol: 'TCP', port: 100, endPort: 90 }]),
    expected: [
      'spec.ingress[0].ports[0].endPort: Invalid value: 100: must be greater than or equal to `port`',
    ],
  },
  {
    name: 'policy type not supported',
    mutate: (o) => (at(o, 'spec').policyTypes = ['Ingress', 'Sideways']),
    expected: [
      'spec.policyTypes[1]: Unsupported value: "Sideways": supported values: "Ingress", "Egress"',
    ],
  },
];

void describe('network policy validation', () => {
  runCases(NETPOL, netpolCases, validateCreate, it);
});

void describe('ingress class validation', () => {
  const ic: Json = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name: 'nginx' },
    spec: { controller: 'k8s.io/ingress-nginx' },
  };
  it('valid', () => {
    assert.deepEqual(messages(validateCreate(defaulted(ic))), []);
  });
  it('controller must be domain-prefixed', () => {
    const o = defaulted(ic);
    at(o, 'spec').controller = 'nginx';
    assert.deepEqual(messages(validateCreate(o)), [
      'spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")',
    ]);
  });
  it('controller is immutable', () => {
    const old = defaulted(ic);
    const o = structuredClone(old);
    at(o, 'spec').controller = 'example.com/other';
    assert.deepEqual(messages(validateUpdate(o, old)), [
      'spec.controller: Invalid value: "example.com/other": field is immutable',
    ]);
  });
});
