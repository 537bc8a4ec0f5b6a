import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { bootstrapTokenSecret, secretData } from '../apiserver/authn/index.ts';
import { renderKubeconfig } from './kubeconfig.ts';
import type { CommandIo } from './server.ts';
import {
  DEFAULT_TOKEN_GROUPS,
  DEFAULT_TOKEN_USAGES,
  DurationError,
  apiTargetFromKubeconfig,
  appendSliceFlag,
  parseGoDuration,
  registerTokenCommands,
  runTokenCreate,
  runTokenDelete,
  statusMessage,
  tokenCreateFlagsFrom,
  tokenSpecFromFlags,
} from './token.ts';

const SECOND = 1_000_000_000n;
const MINUTE = 60n * SECOND;
const HOUR = 60n * MINUTE;
const MS = 1_000_000n;
const US = 1_000n;
const MAX = (1n << 63n) - 1n;

describe('parseGoDuration (Go time.ParseDuration test table)', () => {
  const ok: [string, bigint][] = [
    ['0', 0n],
    ['5s', 5n * SECOND],
    ['30s', 30n * SECOND],
    ['1478s', 1478n * SECOND],
    ['-5s', -5n * SECOND],
    ['+5s', 5n * SECOND],
    ['-0', 0n],
    ['+0', 0n],
    ['5.0s', 5n * SECOND],
    ['5.6s', 5n * SECOND + 600n * MS],
    ['5.s', 5n * SECOND],
    ['.5s', 500n * MS],
    ['1.0s', SECOND],
    ['1.00s', SECOND],
    ['1.004s', SECOND + 4n * MS],
    ['1.0040s', SECOND + 4n * MS],
    ['100.00100s', 100n * SECOND + MS],
    ['10ns', 10n],
    ['11us', 11n * US],
    ['12µs', 12n * US],
    ['12μs', 12n * US],
    ['13ms', 13n * MS],
    ['14s', 14n * SECOND],
    ['15m', 15n * MINUTE],
    ['16h', 16n * HOUR],
    ['3h30m', 3n * HOUR + 30n * MINUTE],
    ['10.5s4m', 4n * MINUTE + 10n * SECOND + 500n * MS],
    ['-2m3.4s', -(2n * MINUTE + 3n * SECOND + 400n * MS)],
    ['1h2m3s4ms5us6ns', HOUR + 2n * MINUTE + 3n * SECOND + 4n * MS + 5n * US + 6n],
    ['39h9m14.425s', 39n * HOUR + 9n * MINUTE + 14n * SECOND + 425n * MS],
    ['52763797000ns', 52763797000n],
    ['0.3333333333333333333h', 20n * MINUTE],
    ['9007199254740993ns', (1n << 53n) + 1n],
    ['9223372036854775807ns', MAX],
    ['9223372036854775.807us', MAX],
    ['9223372036s854ms775us807ns', MAX],
    ['-9223372036854775808ns', -(1n << 63n)],
    ['-9223372036854775.808us', -(1n << 63n)],
    ['-9223372036s854ms775us808ns', -(1n << 63n)],
    ['-2562047h47m16.854775808s', -(1n << 63n)],
    ['0.100000000000000000000h', 6n * MINUTE],
    ['0.830103483285477580700h', 49n * MINUTE + 48n * SECOND + 372539827n],
    // kubeadm's own examples
    ['24h', 24n * HOUR],
    ['90m', 90n * MINUTE],
    ['1h30m', 90n * MINUTE],
  ];
  for (const [input, want] of ok) {
    it(`parses ${JSON.stringify(input)}`, () => {
      assert.equal(parseGoDuration(input), want);
    });
  }

  const bad: [string, string][] = [
    ['', 'time: invalid duration ""'],
    ['3', 'time: missing unit in duration "3"'],
    ['-', 'time: invalid duration "-"'],
    ['s', 'time: invalid duration "s"'],
    ['.', 'time: invalid duration "."'],
    ['-.', 'time: invalid duration "-."'],
    ['.s', 'time: invalid duration ".s"'],
    ['+.s', 'time: invalid duration "+.s"'],
    ['1d', 'time: unknown unit "d" in duration "1d"'],
    ['1h 30m', 'time: unknown unit "h " in duration "1h 30m"'],
    ['9223372036854775810ns', 'time: invalid duration "9223372036854775810ns"'],
    ['9223372036854775808ns', 'time: invalid duration "9223372036854775808ns"'],
    ['-9223372036854775809ns', 'time: invalid duration "-9223372036854775809ns"'],
    ['9223372036854776us', 'time: invalid duration "9223372036854776us"'],
    ['3000000h', 'time: invalid duration "3000000h"'],
    ['9223372036854775.808us', 'time: invalid duration "9223372036854775.808us"'],
    ['9223372036854ms775us808ns', 'time: invalid duration "9223372036854ms775us808ns"'],
  ];
  for (const [input, message] of bad) {
    it(`rejects ${JSON.stringify(input)}`, () => {
      assert.throws(() => parseGoDuration(input), { name: 'DurationError', message });
    });
  }
  it('throws DurationError instances', () => {
    assert.throws(() => parseGoDuration('x'), DurationError);
  });
});

describe('appendSliceFlag (pflag string slices)', () => {
  const defaults = ['a', 'b'];
  const cases: [string, string[] | undefined, string[]][] = [
    ['signing', defaults, ['signing']],
    ['signing,authentication', defaults, ['signing', 'authentication']],
    ['authentication', ['signing'], ['signing', 'authentication']],
    [' x , ,y ', undefined, ['x', 'y']],
    ['', defaults, []],
  ];
  for (const [value, prev, want] of cases) {
    it(`${JSON.stringify(value)} after ${JSON.stringify(prev)}`, () => {
      assert.deepEqual(appendSliceFlag(value, prev, defaults), want);
    });
  }
});

describe('tokenSpecFromFlags → bootstrapTokenSecret', () => {
  const now = new Date('2025-03-01T10:00:00.500Z');
  const token = 'abcdef.0123456789abcdef';
  const data = (s: ReturnType<typeof bootstrapTokenSecret>): Record<string, string> =>
    Object.fromEntries(Object.keys(s.data ?? {}).map((k) => [k, secretData(s, k)]));

  it('applies kubeadm defaults: 24h, signing+authentication, the skiff node group', () => {
    const secret = bootstrapTokenSecret(tokenSpecFromFlags({}, token, now));
    assert.deepEqual(secret.metadata, { name: 'bootstrap-token-abcdef', namespace: 'kube-system' });
    assert.equal(secret.type, 'bootstrap.kubernetes.io/token');
    assert.deepEqual(data(secret), {
      'token-id': 'abcdef',
      'token-secret': '0123456789abcdef',
      expiration: '2025-03-02T10:00:00Z',
      'usage-bootstrap-signing': 'true',
      'usage-bootstrap-authentication': 'true',
      'auth-extra-groups': 'system:bootstrappers:skiff:default-node-token',
    });
  });

  const cases: {
    name: string;
    flags: Parameters<typeof tokenSpecFromFlags>[0];
    want: Record<string, string | undefined>;
  }[] = [
    { name: 'ttl 0 never expires', flags: { ttl: '0' }, want: { expiration: undefined } },
    {
      name: 'ttl 1h30m',
      flags: { ttl: '1h30m' },
      want: { expiration: '2025-03-01T11:30:00Z' },
    },
    {
      name: 'description, one usage, two groups',
      flags: {
        description: 'for node-1',
        usages: ['authentication'],
        groups: ['system:bootstrappers:a', 'system:bootstrappers:b'],
      },
      want: {
        description: 'for node-1',
        'usage-bootstrap-signing': undefined,
        'usage-bootstrap-authentication': 'true',
        'auth-extra-groups': 'system:bootstrappers:a,system:bootstrappers:b',
      },
    },
    {
      name: 'no groups',
      flags: { groups: [] },
      want: { 'auth-extra-groups': undefined },
    },
    {
      name: 'an explicit token wins over the generated one',
      flags: { token: 'zzzzzz.yyyyyyyyyyyyyyyy' },
      want: { 'token-id': 'zzzzzz', 'token-secret': 'yyyyyyyyyyyyyyyy' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = data(bootstrapTokenSecret(tokenSpecFromFlags(c.flags, token, now)));
      for (const [k, v] of Object.entries(c.want)) assert.equal(d[k], v, k);
    });
  }

  it('rejects a bad ttl, a negative ttl, a bad usage and a bad group', () => {
    assert.throws(() => tokenSpecFromFlags({ ttl: '1d' }, token, now), /unknown unit "d"/);
    assert.throws(() => tokenSpecFromFlags({ ttl: '-1h' }, token, now), /must not be negative/);
    assert.throws(
      () => bootstrapTokenSecret(tokenSpecFromFlags({ usages: ['nope'] }, token, now)),
      /invalid bootstrap token usage string: nope/,
    );
    assert.throws(
      () => bootstrapTokenSecret(tokenSpecFromFlags({ groups: ['system:masters'] }, token, now)),
      /bootstrap group "system:masters" is invalid/,
    );
  });
});

describe('apiTargetFromKubeconfig', () => {
  it('reads the admin kubeconfig skiff writes', async () => {
    const text = renderKubeconfig('https://127.0.0.1:6443', {
      caPem: 'CA PEM',
      clientCertPem: 'CERT PEM',
      clientKeyPem: 'KEY PEM',
    });
    const t = await apiTargetFromKubeconfig(text, '/nowhere');
    assert.equal(t.server, 'https://127.0.0.1:6443');
    assert.equal(t.ca?.toString(), 'CA PEM');
    assert.equal(t.cert?.toString(), 'CERT PEM');
    assert.equal(t.key?.toString(), 'KEY PEM');
    assert.equal(t.token, undefined);
  });

  it('follows current-context and reads files relative to the kubeconfig', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'skiff-token-'));
    try {
      await writeFile(join(dir, 'ca.crt'), 'FILE CA');
      await writeFile(join(dir, 'tok'), 'secret-token\n');
      const text = [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: other',
        '  cluster: {server: "https://other:1"}',
        '- name: mine',
        '  cluster: {server: "https://mine:6443/", certificate-authority: ca.crt}',
        'users:',
        '- name: u1',
        '  user: {token: wrong}',
        '- name: u2',
        '  user: {tokenFile: tok}',
        'contexts:',
        '- name: c',
        '  context: {cluster: mine, user: u2}',
        'current-context: c',
      ].join('\n');
      const t = await apiTargetFromKubeconfig(text, dir);
      assert.equal(t.server, 'https://mine:6443');
      assert.equal(t.ca?.toString(), 'FILE CA');
      assert.equal(t.token, 'secret-token');
      assert.equal(t.cert, undefined);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  const bad: [string, string, RegExp][] = [
    ['not a mapping', '- a', /not a kubeconfig/],
    ['no server', 'clusters: [{name: x, cluster: {}}]', /has no server/],
    [
      'unknown context',
      'current-context: nope\ncontexts: []\nclusters: []',
      /no contexts entry named "nope"/,
    ],
    [
      'unreadable file',
      'clusters: [{name: x, cluster: {server: "https://a", certificate-authority: /no/such/ca}}]',
      /cannot read \/no\/such\/ca: ENOENT/,
    ],
  ];
  for (const [name, text, re] of bad) {
    it(`rejects: ${name}`, async () => {
      await assert.rejects(apiTargetFromKubeconfig(text, '/'), re);
    });
  }
});

describe('statusMessage', () => {
  const cases: [number, string, { reason: string; message: string }][] = [
    [
      403,
      JSON.stringify({
        kind: 'Status',
        status: 'Failure',
        message: 'secrets is forbidden: User "bob" cannot create resource "secrets"',
        reason: 'Forbidden',
        code: 403,
      }),
      {
        reason: 'Forbidden',
        message: 'secrets is forbidden: User "bob" cannot create resource "secrets"',
      },
    ],
    [
      401,
      '{"kind":"Status","status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}',
      { reason: 'Unauthorized', message: 'Unauthorized' },
    ],
    [502, 'Bad gateway\nmore', { reason: '', message: 'Bad gateway' }],
    [500, '', { reason: '', message: 'HTTP 500' }],
  ];
  for (const [code, body, want] of cases) {
    it(`${String(code)} ${body.slice(0, 30)}`, () => {
      assert.deepEqual(statusMessage(code, body), want);
    });
  }
});

/** Parses a `skiff token ...` command line without running the verb: the flags it would get. */
async function parseCreate(args: string[]): Promise<ReturnType<typeof tokenCreateFlagsFrom>> {
  const program = new Command().exitOverride().configureOutput({
    writeErr: () => undefined,
    writeOut: () => undefined,
  });
  const token = registerTokenCommands(program);
  let seen: ReturnType<typeof tokenCreateFlagsFrom> | undefined;
  const create = token.commands.find((c) => c.name() === 'create');
  assert.ok(create);
  create.exitOverride();
  create.hook('preAction', (_this, action) => {
    seen = tokenCreateFlagsFrom(action.args[0], action.opts());
    throw new Error('stop before the action');
  });
  await assert.rejects(program.parseAsync(['node', 'skiff', 'token', 'create', ...args]), {
    message: 'stop before the action',
  });
  assert.ok(seen);
  return seen;
}

describe('skiff token create flags (commander)', () => {
  it('defaults like kubeadm', async () => {
    const f = await parseCreate([]);
    assert.equal(f.ttl, '24h');
    assert.deepEqual(f.usages, DEFAULT_TOKEN_USAGES);
    assert.deepEqual(f.groups, DEFAULT_TOKEN_GROUPS);
    assert.equal(f.token, undefined);
  });

  it('takes the token, repeated and comma-separated slices, and a description', async () => {
    const f = await parseCreate([
      'abcdef.0123456789abcdef',
      '--ttl',
      '1h30m',
      '--usages',
      'authentication',
      '--groups',
      'system:bootstrappers:a,system:bootstrappers:b',
      '--groups',
      'system:bootstrappers:c',
      '--description',
      'node one',
      '--kubeconfig',
      '/tmp/kc',
    ]);
    assert.equal(f.token, 'abcdef.0123456789abcdef');
    assert.equal(f.ttl, '1h30m');
    assert.deepEqual(f.usages, ['authentication']);
    assert.deepEqual(f.groups, [
      'system:bootstrappers:a',
      'system:bootstrappers:b',
      'system:bootstrappers:c',
    ]);
    assert.equal(f.description, 'node one');
    assert.equal(f.kubeconfig, '/tmp/kc');
  });

  const badTtl: [string, RegExp][] = [
    ['1d', /argument '1d' is invalid\. time: unknown unit "d" in duration "1d"/],
    ['-5m', /argument '-5m' is invalid\. must not be negative/],
  ];
  for (const [ttl, re] of badTtl) {
    it(`rejects --ttl ${ttl}`, async () => {
      const program = new Command().exitOverride().configureOutput({
        writeErr: () => undefined,
        writeOut: () => undefined,
      });
      registerTokenCommands(program).commands.forEach((c) => c.exitOverride());
      await assert.rejects(
        program.parseAsync(['node', 'skiff', 'token', 'create', `--ttl=${ttl}`]),
        (err: unknown) => err instanceof CommanderError && re.test(err.message),
      );
    });
  }
});

function captureIo(): { io: CommandIo; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l) => out.push(l), err: (l) => err.push(l) } };
}

describe('verbs fail before any request on bad input', () => {
  const missing = join(tmpdir(), 'skiff-token-no-such-dir');
  const cases: { name: string; run: (io: CommandIo) => Promise<number>; err: string }[] = [
    {
      name: 'delete without arguments',
      run: (io) => runTokenDelete([], { dataDir: missing }, { io }),
      err: `skiff token delete: error: missing subcommand; 'token delete' is missing token of form "^([a-z0-9]{6})$"`,
    },
    {
      name: 'delete of a malformed token',
      run: (io) => runTokenDelete(['abcdef', 'ABC'], { dataDir: missing }, { io }),
      err: 'skiff token delete: error: given token didn\'t match pattern "^([a-z0-9]{6})$" or "^([a-z0-9]{6})\\.([a-z0-9]{16})$"',
    },
    {
      name: 'create with an unknown usage',
      run: (io) => runTokenCreate({ dataDir: missing, usages: ['x'] }, { io }),
      err: 'skiff token create: error: invalid bootstrap token usage string: x, valid usage options: signing,authentication',
    },
    {
      name: 'create with a malformed token',
      run: (io) => runTokenCreate({ dataDir: missing, token: 'short.x' }, { io }),
      err: 'skiff token create: error: the bootstrap token "short.x" was not of the form "^([a-z0-9]{6})\\.([a-z0-9]{16})$"',
    },
    {
      name: 'create without a kubeconfig',
      run: (io) => runTokenCreate({ dataDir: missing }, { io }),
      err: `skiff token create: error: cannot read the kubeconfig ${join(missing, 'kubeconfig.yaml')}: ENOENT; is skiff server running with this --data-dir? (or pass --kubeconfig)`,
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const cap = captureIo();
      assert.equal(await c.run(cap.io), 1);
      assert.deepEqual(cap.out, []);
      assert.deepEqual(cap.err, [c.err]);
    });
  }
});
