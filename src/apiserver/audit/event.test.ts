import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { UserInfo } from '../user.ts';
import type { AuditAttributes } from './checker.ts';
import {
  Auditor,
  auditIDFor,
  copyWithoutManagedFields,
  eventToJSONLine,
  formatMicroTime,
  sourceIPs,
} from './event.ts';
import type { AuditRequestStart, AuditSink } from './event.ts';
import type { AuditEvent, Level, PolicyRule } from './types.ts';

/** Collects the JSON line of every event, as the log backend would write it. */
class LineSink implements AuditSink {
  lines: string[] = [];
  processEvent(ev: Readonly<AuditEvent>): void {
    this.lines.push(eventToJSONLine(ev));
  }
  parsed(): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

const alice: UserInfo = { username: 'alice', groups: ['dev', 'system:authenticated'] };
const T0 = Date.UTC(2024, 0, 2, 3, 4, 5) * 1000 + 123456;

function setup(
  level: Level,
  extra: Partial<PolicyRule> = {},
  policy: { omitManagedFields?: boolean } = {},
): { auditor: Auditor; sink: LineSink } {
  const sink = new LineSink();
  let t = T0;
  const auditor = new Auditor({
    policy: { ...policy, rules: [{ level, ...extra }] },
    sink,
    nowMicros: () => (t += 1000),
  });
  return { auditor, sink };
}

const createAttrs: AuditAttributes = {
  user: alice,
  verb: 'create',
  isResourceRequest: true,
  path: '/api/v1/namespaces/dev/configmaps',
  namespace: 'dev',
  apiGroup: '',
  apiVersion: 'v1',
  resource: 'configmaps',
  subresource: '',
  name: '',
};

function start(auditor: Auditor, extra: Partial<AuditRequestStart> = {}) {
  return auditor.startEvent({
    auditID: 'a1b2',
    requestURI: '/api/v1/namespaces/dev/configmaps?fieldManager=kubectl',
    attributes: createAttrs,
    headers: { 'user-agent': 'kubectl/v1.32.0' },
    remoteAddress: '::ffff:127.0.0.1',
    receivedAt: T0,
    ...extra,
  });
}

const body = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cm', namespace: 'dev' },
  data: { a: 'b' },
};
const stored = {
  ...body,
  data: { a: 'b' },
  metadata: {
    ...body.metadata,
    uid: 'u-1',
    resourceVersion: '42',
    managedFields: [{ manager: 'kubectl' }],
  },
};

/** One create request through the audit API; returns the events written. */
function runCreate(level: Level, policy: { omitManagedFields?: boolean } = {}) {
  const { auditor, sink } = setup(level, {}, policy);
  const audit = start(auditor);
  if (audit !== undefined) {
    audit.logRequestObject(body);
    body.data.a = 'mutated later';
    audit.logResponseObject(stored);
    audit.addAnnotation('authorization.k8s.io/decision', 'allow');
    audit.addAnnotation('authorization.k8s.io/decision', 'forbid');
  }
  body.data.a = 'b';
  auditor.finishEvent(audit, 201);
  return sink.parsed();
}

describe('Auditor events per level', () => {
  it('None writes nothing', () => {
    assert.deepEqual(runCreate('None'), []);
  });

  it('Metadata: request metadata, no bodies', () => {
    const events = runCreate('Metadata');
    assert.equal(events.length, 2);
    assert.deepEqual(events[0], {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: 'Metadata',
      auditID: 'a1b2',
      stage: 'RequestReceived',
      requestURI: '/api/v1/namespaces/dev/configmaps?fieldManager=kubectl',
      verb: 'create',
      user: { username: 'alice', groups: ['dev', 'system:authenticated'] },
      sourceIPs: ['127.0.0.1'],
      userAgent: 'kubectl/v1.32.0',
      objectRef: { resource: 'configmaps', namespace: 'dev', apiVersion: 'v1' },
      requestReceivedTimestamp: '2024-01-02T03:04:05.123456Z',
      stageTimestamp: '2024-01-02T03:04:05.123456Z',
    });
    assert.deepEqual(events[1], {
      ...events[0],
      stage: 'ResponseComplete',
      objectRef: { resource: 'configmaps', namespace: 'dev', name: 'cm', apiVersion: 'v1' },
      responseStatus: { metadata: {}, code: 201 },
      stageTimestamp: '2024-01-02T03:04:05.124456Z',
      annotations: { 'authorization.k8s.io/decision': 'allow' },
    });
  });

  it('Request: adds the request object as it was when logged', () => {
    const events = runCreate('Request');
    assert.equal(events[0]?.requestObject, undefined);
    assert.deepEqual(events[1]?.requestObject, body);
    assert.equal(events[1].responseObject, undefined);
  });

  it('RequestResponse: adds the response object; omitManagedFields strips it', () => {
    const events = runCreate('RequestResponse');
    assert.deepEqual(events[1]?.requestObject, body);
    assert.deepEqual(events[1].responseObject, stored);
    const omitted = runCreate('RequestResponse', { omitManagedFields: true });
    const { managedFields: _m, ...meta } = stored.metadata;
    assert.deepEqual(omitted[1]?.responseObject, { ...stored, metadata: meta });
  });

  it('keys of the JSON line follow upstream field order', () => {
    const { auditor, sink } = setup('RequestResponse');
    const audit = start(auditor);
    assert.ok(audit);
    audit.logImpersonatedUser({ username: 'bob', groups: ['g'], extra: { scopes: ['x'] } });
    audit.logRequestObject(body);
    audit.logResponseObject(stored);
    audit.addAnnotation('k', 'v');
    audit.finish(201);
    assert.deepEqual(Object.keys(sink.parsed()[1] ?? {}), [
      'kind',
      'apiVersion',
      'level',
      'auditID',
      'stage',
      'requestURI',
      'verb',
      'user',
      'impersonatedUser',
      'sourceIPs',
      'userAgent',
      'objectRef',
      'responseStatus',
      'requestObject',
      'responseObject',
      'requestReceivedTimestamp',
      'stageTimestamp',
      'annotations',
    ]);
    assert.deepEqual(sink.parsed()[1]?.impersonatedUser, {
      username: 'bob',
      groups: ['g'],
      extra: { scopes: ['x'] },
    });
    assert.deepEqual(sink.parsed()[1]?.objectRef, {
      resource: 'configmaps',
      namespace: 'dev',
      name: 'cm',
      apiVersion: 'v1',
    });
  });

  it('error responses carry the bounded Status', () => {
    const { auditor, sink } = setup('Metadata');
    const audit = start(auditor);
    const status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'configmaps "cm" already exists',
      reason: 'AlreadyExists',
      details: { name: 'cm', kind: 'configmaps' },
      code: 409,
    };
    auditor.finishEvent(audit, 409, status);
    assert.deepEqual(sink.parsed()[1]?.responseStatus, {
      metadata: {},
      status: 'Failure',
      message: 'configmaps "cm" already exists',
      reason: 'AlreadyExists',
      details: { name: 'cm', kind: 'configmaps' },
      code: 409,
    });
  });

  it('omitStages, long-running ResponseStarted, panic and idempotent finish', () => {
    const { auditor, sink } = setup('Metadata', { omitStages: ['RequestReceived'] });
    const watch = start(auditor, { longRunning: true });
    assert.ok(watch);
    watch.responseStarted(200);
    watch.responseStarted(200);
    watch.finish(200);
    watch.finish(500);
    assert.deepEqual(
      sink.parsed().map((e) => [e.stage, e.responseStatus]),
      [
        ['ResponseStarted', { metadata: {}, code: 200 }],
        ['ResponseComplete', { metadata: {}, code: 200 }],
      ],
    );

    const { auditor: a2, sink: s2 } = setup('Metadata');
    const p = start(a2);
    assert.ok(p);
    p.panic(new Error('boom'));
    p.finish(200);
    assert.deepEqual(s2.parsed()[1], {
      ...s2.parsed()[1],
      stage: 'Panic',
      responseStatus: {
        metadata: {},
        status: 'Failure',
        message: "APIServer panic'd: boom",
        reason: 'InternalError',
        code: 500,
      },
    });
    assert.equal(s2.lines.length, 2);
  });

  it('a request that never wrote headers is "Connection closed early"', () => {
    const { auditor, sink } = setup('Metadata');
    start(auditor)?.finish();
    assert.deepEqual(sink.parsed()[1]?.responseStatus, {
      metadata: {},
      status: 'Success',
      message: 'Connection closed early',
      code: 200,
    });
  });

  it('patches are recorded raw; non-JSON (YAML apply) patches as strings', () => {
    const { auditor, sink } = setup('Request');
    const a = start(auditor);
    a?.logRequestPatch(Buffer.from('{"data":{"a":"c"}}'));
    a?.finish(200);
    assert.deepEqual(sink.parsed()[1]?.requestObject, { data: { a: 'c' } });
    const b = start(auditor);
    b?.logRequestPatch('data:\n  a: c\n');
    b?.finish(200);
    assert.equal(sink.parsed()[3]?.requestObject, 'data:\n  a: c\n');
  });

  it('truncates long user agents', () => {
    const { auditor, sink } = setup('Metadata');
    start(auditor, { headers: { 'user-agent': 'x'.repeat(1100) } })?.finish(200);
    assert.equal(sink.parsed()[0]?.userAgent, 'x'.repeat(1024) + '...TRUNCATED');
  });
});

describe('helpers', () => {
  it('sourceIPs as upstream utilnet.SourceIPs', () => {
    const cases: [Record<string, string>, string | undefined, string[]][] = [
      [{}, '1.2.3.4', ['1.2.3.4']],
      [
        { 'x-forwarded-for': '10.0.0.1, bogus, 10.0.0.2' },
        '1.2.3.4',
        ['10.0.0.1', '10.0.0.2', '1.2.3.4'],
      ],
      [{ 'x-forwarded-for': '10.0.0.1', 'x-real-ip': '10.0.0.1' }, '10.0.0.1', ['10.0.0.1']],
      [{ 'x-real-ip': '10.0.0.9' }, '::1', ['10.0.0.9', '::1']],
      [{}, '::ffff:10.1.2.3', ['10.1.2.3']],
      [{}, undefined, []],
    ];
    for (const [headers, remote, want] of cases) {
      assert.deepEqual(sourceIPs(headers, remote), want, JSON.stringify(headers));
    }
  });

  it('auditIDFor keeps a client ID, else makes one', () => {
    assert.equal(auditIDFor({ 'audit-id': 'given' }), 'given');
    assert.equal(
      auditIDFor({}, () => 'new'),
      'new',
    );
    assert.match(auditIDFor({}), /^[0-9a-f-]{36}$/);
  });

  it('formatMicroTime', () => {
    assert.equal(formatMicroTime(0), '1970-01-01T00:00:00.000000Z');
    assert.equal(formatMicroTime(T0), '2024-01-02T03:04:05.123456Z');
  });

  it('copyWithoutManagedFields handles objects, lists and tables without mutating', () => {
    const obj = { metadata: { name: 'a', managedFields: [{}] } };
    const list = { kind: 'List', items: [obj, obj] };
    const table = { kind: 'Table', rows: [{ cells: [], object: obj }] };
    assert.deepEqual(copyWithoutManagedFields(obj), { metadata: { name: 'a' } });
    assert.deepEqual(copyWithoutManagedFields(list), {
      kind: 'List',
      items: [{ metadata: { name: 'a' } }, { metadata: { name: 'a' } }],
    });
    assert.deepEqual(copyWithoutManagedFields(table), {
      kind: 'Table',
      rows: [{ cells: [], object: { metadata: { name: 'a' } } }],
    });
    assert.deepEqual(obj.metadata.managedFields, [{}]);
  });
});

describe('failedAuthentication', () => {
  it('records one ResponseStarted event with 401 and the methods tried', () => {
    const { auditor, sink } = setup('Metadata');
    auditor.failedAuthentication(
      {
        auditID: 'x',
        requestURI: '/api/v1/pods?access_token=t',
        attributes: {
          verb: 'list',
          isResourceRequest: true,
          path: '/api/v1/pods',
          resource: 'pods',
        },
        headers: { authorization: 'Bearer abc' },
        remoteAddress: '10.0.0.1',
        receivedAt: T0,
      },
      true,
    );
    const events = sink.parsed();
    assert.equal(events.length, 1);
    assert.equal(events[0]?.stage, 'ResponseStarted');
    assert.deepEqual(events[0].user, {});
    assert.deepEqual(events[0].responseStatus, {
      metadata: {},
      message: 'Authentication failed, attempted: bearer, access_token, x509',
      code: 401,
    });
    auditor.failedAuthentication(
      {
        auditID: 'y',
        requestURI: '/api',
        attributes: { verb: 'get', isResourceRequest: false, path: '/api' },
        headers: {},
      },
      false,
    );
    assert.equal(
      (sink.parsed()[1]?.responseStatus as { message: string }).message,
      'Authentication failed, no credentials provided',
    );
  });
});
