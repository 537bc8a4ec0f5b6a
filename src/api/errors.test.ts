import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Status } from 'kubernetes-types/meta/v1.js';
import type { StatusError } from './errors.ts';
import {
  fromStatus,
  isAlreadyExists,
  isBadRequest,
  isConflict,
  isForbidden,
  isGone,
  isInternalError,
  isInvalid,
  isMethodNotSupported,
  isNotAcceptable,
  isNotFound,
  isRequestEntityTooLarge,
  isResourceExpired,
  isServerTimeout,
  isServiceUnavailable,
  isTimeout,
  isTooManyRequests,
  isUnauthorized,
  isUnsupportedMediaType,
  newAlreadyExists,
  newBadRequest,
  newConflict,
  newForbidden,
  newGenerateNameConflict,
  newGone,
  newInternalError,
  newInvalid,
  newMethodNotSupported,
  newNotAcceptable,
  newNotFound,
  newRequestEntityTooLarge,
  newResourceExpired,
  newServerTimeout,
  newServiceUnavailable,
  newTimeoutError,
  newTooManyRequests,
  newTooManyRequestsError,
  newUnauthorized,
  newUnsupportedMediaType,
  reasonForError,
  statusCause,
  statusFromError,
  suggestsClientDelay,
} from './errors.ts';
import { invalid, newPath, required } from './validation/index.ts';

const pods = { group: '', resource: 'pods' };
const deployments = { group: 'apps', resource: 'deployments' };
const head = '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",';

// Expected JSON is what the Go API server writes for the same constructor (field order too).
const table: [string, StatusError, string][] = [
  [
    'NotFound',
    newNotFound(pods, 'x'),
    head +
      '"message":"pods \\"x\\" not found","reason":"NotFound","details":{"name":"x","kind":"pods"},"code":404}',
  ],
  [
    'NotFound in a group',
    newNotFound(deployments, 'web'),
    head +
      '"message":"deployments.apps \\"web\\" not found","reason":"NotFound","details":{"name":"web","group":"apps","kind":"deployments"},"code":404}',
  ],
  [
    'AlreadyExists',
    newAlreadyExists(pods, 'x'),
    head +
      '"message":"pods \\"x\\" already exists","reason":"AlreadyExists","details":{"name":"x","kind":"pods"},"code":409}',
  ],
  [
    'GenerateNameConflict',
    newGenerateNameConflict(pods, 'x-abcde', 1),
    head +
      '"message":"pods \\"x-abcde\\" already exists, the server was not able to generate a unique name for the object","reason":"AlreadyExists","details":{"name":"x-abcde","kind":"pods","retryAfterSeconds":1},"code":409}',
  ],
  [
    'Conflict',
    newConflict(
      pods,
      'x',
      new Error(
        'the object has been modified; please apply your changes to the latest version and try again',
      ),
    ),
    head +
      '"message":"Operation cannot be fulfilled on pods \\"x\\": the object has been modified; please apply your changes to the latest version and try again","reason":"Conflict","details":{"name":"x","kind":"pods"},"code":409}',
  ],
  [
    'Invalid (two causes)',
    newInvalid({ group: '', kind: 'Pod' }, 'x', [
      required(newPath('spec', 'containers')),
      invalid(newPath('metadata', 'name'), 'X', 'bad name'),
    ]),
    head +
      '"message":"Pod \\"x\\" is invalid: [spec.containers: Required value, metadata.name: Invalid value: \\"X\\": bad name]","reason":"Invalid","details":{"name":"x","kind":"Pod","causes":[{"reason":"FieldValueRequired","message":"Required value","field":"spec.containers"},{"reason":"FieldValueInvalid","message":"Invalid value: \\"X\\": bad name","field":"metadata.name"}]},"code":422}',
  ],
  [
    'Invalid (one cause, grouped kind)',
    newInvalid({ group: 'apps', kind: 'Deployment' }, 'web', [
      invalid(newPath('spec', 'replicas'), -1, 'must be greater than or equal to 0'),
    ]),
    head +
      '"message":"Deployment.apps \\"web\\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0","reason":"Invalid","details":{"name":"web","group":"apps","kind":"Deployment","causes":[{"reason":"FieldValueInvalid","message":"Invalid value: -1: must be greater than or equal to 0","field":"spec.replicas"}]},"code":422}',
  ],
  [
    'Invalid (no causes)',
    newInvalid({ group: '', kind: 'Pod' }, 'x', []),
    head +
      '"message":"Pod \\"x\\" is invalid","reason":"Invalid","details":{"name":"x","kind":"Pod"},"code":422}',
  ],
  ['BadRequest', newBadRequest('bad'), head + '"message":"bad","reason":"BadRequest","code":400}'],
  [
    'Forbidden',
    newForbidden(pods, 'x', 'User "bob" cannot get resource "pods"'),
    head +
      '"message":"pods \\"x\\" is forbidden: User \\"bob\\" cannot get resource \\"pods\\"","reason":"Forbidden","details":{"name":"x","kind":"pods"},"code":403}',
  ],
  [
    'Forbidden without a name',
    newForbidden(pods, '', 'no'),
    head +
      '"message":"pods is forbidden: no","reason":"Forbidden","details":{"kind":"pods"},"code":403}',
  ],
  [
    'Forbidden without a resource',
    newForbidden({ group: '', resource: '' }, '', 'no'),
    head + '"message":"forbidden: no","reason":"Forbidden","details":{},"code":403}',
  ],
  [
    'Unauthorized',
    newUnauthorized(''),
    head + '"message":"not authorized","reason":"Unauthorized","code":401}',
  ],
  ['Gone', newGone('too old'), head + '"message":"too old","reason":"Gone","code":410}'],
  [
    'ResourceExpired',
    newResourceExpired('too old resource version: 1 (5)'),
    head + '"message":"too old resource version: 1 (5)","reason":"Expired","code":410}',
  ],
  [
    'TooManyRequests',
    newTooManyRequests('slow down', 3),
    head +
      '"message":"slow down","reason":"TooManyRequests","details":{"retryAfterSeconds":3},"code":429}',
  ],
  [
    'TooManyRequests without a hint',
    newTooManyRequests('slow down', 0),
    head + '"message":"slow down","reason":"TooManyRequests","details":{},"code":429}',
  ],
  [
    'TooManyRequestsError',
    newTooManyRequestsError('limit'),
    head + '"message":"Too many requests: limit","reason":"TooManyRequests","code":429}',
  ],
  [
    'MethodNotSupported',
    newMethodNotSupported({ group: '', resource: 'bindings' }, 'list'),
    head +
      '"message":"list is not supported on resources of kind \\"bindings\\"","reason":"MethodNotAllowed","details":{"kind":"bindings"},"code":405}',
  ],
  [
    'UnsupportedMediaType',
    newUnsupportedMediaType(['application/json', 'application/yaml']),
    head +
      '"message":"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml","reason":"UnsupportedMediaType","code":415}',
  ],
  [
    'NotAcceptable',
    newNotAcceptable(['application/json']),
    head +
      '"message":"only the following media types are accepted: application/json","reason":"NotAcceptable","code":406}',
  ],
  [
    'RequestEntityTooLarge',
    newRequestEntityTooLarge('limit is 3145728'),
    head +
      '"message":"Request entity too large: limit is 3145728","reason":"RequestEntityTooLarge","code":413}',
  ],
  [
    'InternalError',
    newInternalError(new Error('boom')),
    head +
      '"message":"Internal error occurred: boom","reason":"InternalError","details":{"causes":[{"message":"boom"}]},"code":500}',
  ],
  [
    'Timeout',
    newTimeoutError(
      'request did not complete within requested timeout - context deadline exceeded',
      0,
    ),
    head +
      '"message":"Timeout: request did not complete within requested timeout - context deadline exceeded","reason":"Timeout","details":{},"code":504}',
  ],
  [
    'ServiceUnavailable',
    newServiceUnavailable('not ready'),
    head + '"message":"not ready","reason":"ServiceUnavailable","code":503}',
  ],
  [
    'ServerTimeout',
    newServerTimeout(deployments, 'create', 2),
    head +
      '"message":"The create operation against deployments.apps could not be completed at this time, please try again.","reason":"ServerTimeout","details":{"name":"create","group":"apps","kind":"deployments","retryAfterSeconds":2},"code":500}',
  ],
];

describe('Status constructors', () => {
  for (const [name, err, want] of table) {
    it(`${name} serialises like upstream`, () => {
      assert.equal(JSON.stringify(err), want);
      assert.ok(err instanceof Error);
      assert.equal(err.name, 'StatusError');
      assert.equal(err.message, err.status.message);
      assert.equal(err.code, err.status.code);
    });
  }
});

const predicates: [string, (e: unknown) => boolean, StatusError][] = [
  ['isNotFound', isNotFound, newNotFound(pods, 'x')],
  ['isAlreadyExists', isAlreadyExists, newAlreadyExists(pods, 'x')],
  ['isConflict', isConflict, newConflict(pods, 'x', 'c')],
  ['isInvalid', isInvalid, newInvalid({ group: '', kind: 'Pod' }, 'x', [])],
  ['isBadRequest', isBadRequest, newBadRequest('b')],
  ['isForbidden', isForbidden, newForbidden(pods, 'x', 'f')],
  ['isUnauthorized', isUnauthorized, newUnauthorized('u')],
  ['isGone', isGone, newGone('g')],
  ['isResourceExpired', isResourceExpired, newResourceExpired('e')],
  ['isTooManyRequests', isTooManyRequests, newTooManyRequests('t', 1)],
  ['isMethodNotSupported', isMethodNotSupported, newMethodNotSupported(pods, 'watch')],
  ['isUnsupportedMediaType', isUnsupportedMediaType, newUnsupportedMediaType(['a'])],
  ['isNotAcceptable', isNotAcceptable, newNotAcceptable(['a'])],
  ['isRequestEntityTooLarge', isRequestEntityTooLarge, newRequestEntityTooLarge('r')],
  ['isInternalError', isInternalError, newInternalError('i')],
  ['isTimeout', isTimeout, newTimeoutError('t', 0)],
  ['isServerTimeout', isServerTimeout, newServerTimeout(pods, 'get', 0)],
  ['isServiceUnavailable', isServiceUnavailable, newServiceUnavailable('s')],
];

describe('predicates', () => {
  for (const [name, pred, err] of predicates) {
    it(`${name} works on StatusError, decoded Status, wrapped and rebuilt errors`, () => {
      assert.equal(pred(err), true);
      const decoded = JSON.parse(JSON.stringify(err)) as Status;
      assert.equal(pred(decoded), true, 'decoded Status');
      assert.equal(pred(fromStatus(decoded)), true, 'rebuilt');
      assert.equal(pred(new Error('wrapped', { cause: err })), true, 'cause chain');
      assert.equal(pred({ status: decoded }), true, 'object with a status');
      assert.equal(pred(new Error('plain')), false);
      assert.equal(pred(undefined), false);
      assert.equal(pred('NotFound'), false);
    });
  }
  it('exclusive on the constructor reasons', () => {
    for (const [name, pred] of predicates) {
      for (const [other, , err] of predicates) {
        // Upstream quirk: 429 and 413 match by code, and ServerTimeout is a 500 InternalError
        // only by reason; none of the table's pairs overlap otherwise.
        if (other !== name) {
          assert.equal(pred(err), false, `${name}(${other})`);
        }
      }
    }
  });
  it('falls back to the code when the reason is unknown', () => {
    const s: Status = { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404 };
    assert.equal(isNotFound(s), true);
    assert.equal(isNotFound({ ...s, reason: 'Conflict' }), false);
    assert.equal(isAlreadyExists({ ...s, code: 409 }), false);
    assert.equal(isConflict({ ...s, code: 409 }), true);
    assert.equal(isTooManyRequests({ ...s, reason: 'Conflict', code: 429 }), true);
  });
  it('reasonForError, statusCause and suggestsClientDelay', () => {
    const inv = newInvalid({ group: '', kind: 'Pod' }, 'x', [required(newPath('spec'))]);
    assert.equal(reasonForError(inv), 'Invalid');
    assert.equal(reasonForError(new Error('x')), '');
    assert.deepEqual(statusCause(inv, 'FieldValueRequired'), {
      reason: 'FieldValueRequired',
      message: 'Required value',
      field: 'spec',
    });
    assert.equal(statusCause(inv, 'FieldValueInvalid'), undefined);
    assert.equal(suggestsClientDelay(newTooManyRequests('t', 5)), 5);
    assert.equal(suggestsClientDelay(newTooManyRequests('t', 0)), undefined);
    assert.equal(suggestsClientDelay(newServerTimeout(pods, 'get', 0)), 0);
    assert.equal(suggestsClientDelay(newBadRequest('b')), undefined);
  });
});

describe('statusFromError', () => {
  it('returns the Status of a StatusError as a copy', () => {
    const err = newNotFound(pods, 'x');
    const s = statusFromError(err);
    assert.deepEqual(s, err.status);
    assert.notEqual(s, err.status);
  });
  it('turns any other error into a 500 with an unknown reason (ErrorToAPIStatus)', () => {
    const s = statusFromError(new Error('disk on fire'));
    assert.equal(JSON.stringify(s), head + '"message":"disk on fire","code":500}');
    assert.equal(isInternalError(s), true);
    assert.equal(statusFromError('text').message, 'text');
    assert.equal(statusFromError({ odd: 1 }).message, '{"odd":1}');
  });
  it('defaults status and code of a partial Status', () => {
    const s = statusFromError({ kind: 'Status', message: 'm' });
    assert.equal(s.status, 'Failure');
    assert.equal(s.code, 500);
    assert.equal(statusFromError({ kind: 'Status', status: 'Success' }).code, 200);
  });
});
