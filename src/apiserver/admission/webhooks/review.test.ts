// AdmissionReview encoding/verification and the webhook error texts, after Kubernetes 1.32
// .../webhook/request/admissionreview_test.go (TestVerifyAdmissionResponse) and
// .../webhook/errors/statuserror_test.go.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CallingWebhookError, newDryRunUnsupportedErr, toStatusErr } from './errors.ts';
import {
  ReviewDecodeError,
  ReviewVerifyError,
  createAdmissionReview,
  decodeAdmissionResponse,
  pickReviewVersion,
} from './review.ts';
import type { WebhookHttpResponse } from './client.ts';
import type { AdmissionAttributes } from './types.ts';
import { newBadRequest } from '../../../api/index.ts';

describe('toStatusErr', () => {
  const cases: {
    name: string;
    result: Parameters<typeof toStatusErr>[1];
    message: string;
    code: number;
    reason?: string;
  }[] = [
    {
      name: 'nil result',
      result: undefined,
      message: 'admission webhook "hook" denied the request without explanation',
      code: 400,
    },
    {
      name: 'message',
      result: { code: 403, reason: 'Forbidden', message: 'no' },
      message: 'admission webhook "hook" denied the request: no',
      code: 403,
      reason: 'Forbidden',
    },
    {
      name: 'reason only, code below 400',
      result: { code: 200, reason: 'Because', status: 'Success' },
      message: 'admission webhook "hook" denied the request: Because',
      code: 400,
      reason: 'Because',
    },
    {
      name: 'code kept when >= 400',
      result: { code: 422, message: 'bad' },
      message: 'admission webhook "hook" denied the request: bad',
      code: 422,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const err = toStatusErr('hook', c.result);
      assert.equal(err.message, c.message);
      assert.equal(err.code, c.code);
      assert.equal(err.reason, c.reason ?? '');
      assert.equal(err.status.status, 'Failure');
      assert.equal(err.status.kind, 'Status');
    });
  }
  it('does not change the webhook result', () => {
    const result = { code: 403, message: 'no' };
    toStatusErr('hook', result);
    assert.deepEqual(result, { code: 403, message: 'no' });
  });
  it('dry-run and calling errors read as upstream', () => {
    const e = newDryRunUnsupportedErr('hook');
    assert.equal(e.code, 400);
    assert.equal(e.message, 'admission webhook "hook" does not support dry run');
    assert.equal(
      new CallingWebhookError('hook', 'failed to call webhook: x', newBadRequest('y')).message,
      'failed calling webhook "hook": failed to call webhook: x',
    );
    assert.equal(
      new CallingWebhookError('hook', '', newBadRequest('y')).message,
      'failed calling webhook "hook"; no further details available',
    );
  });
});

function res(
  body: unknown,
  statusCode = 200,
  contentType = 'application/json',
): WebhookHttpResponse {
  return {
    statusCode,
    contentType,
    body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  };
}

function review(response: unknown, apiVersion = 'admission.k8s.io/v1'): unknown {
  return { apiVersion, kind: 'AdmissionReview', response };
}

const PATCH = Buffer.from('[]').toString('base64');

describe('decodeAdmissionResponse', () => {
  const failures: {
    name: string;
    res: WebhookHttpResponse;
    mutating?: boolean;
    version?: 'v1' | 'v1beta1';
    error: string;
    kind: typeof ReviewDecodeError | typeof ReviewVerifyError;
  }[] = [
    {
      name: 'absent response',
      res: res(review(null)),
      error: 'webhook response was absent',
      kind: ReviewVerifyError,
    },
    {
      name: 'uid mismatch',
      res: res(review({ uid: 'other', allowed: true })),
      error: 'expected response.uid="123", got "other"',
      kind: ReviewVerifyError,
    },
    {
      name: 'wrong response version',
      res: res(review({ uid: '123', allowed: true }, 'admission.k8s.io/v1beta1')),
      error:
        'expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got admission.k8s.io/v1beta1, Kind=AdmissionReview',
      kind: ReviewVerifyError,
    },
    {
      name: 'patch without patchType',
      res: res(review({ uid: '123', allowed: true, patch: PATCH })),
      mutating: true,
      error: 'webhook returned response.patch but not response.patchType',
      kind: ReviewVerifyError,
    },
    {
      name: 'patchType without patch',
      res: res(review({ uid: '123', allowed: true, patchType: 'JSONPatch' })),
      mutating: true,
      error: 'webhook returned response.patchType but not response.patch',
      kind: ReviewVerifyError,
    },
    {
      name: 'validating patch',
      res: res(review({ uid: '123', allowed: true, patch: PATCH, patchType: 'JSONPatch' })),
      error: 'validating webhook may not return response.patch',
      kind: ReviewVerifyError,
    },
    {
      name: 'validating patchType',
      res: res(review({ uid: '123', allowed: true, patchType: 'JSONPatch' })),
      error: 'validating webhook may not return response.patchType',
      kind: ReviewVerifyError,
    },
    {
      name: 'server error text',
      res: res('boom\n', 500, 'text/plain; charset=utf-8'),
      error: 'an error on the server ("boom") has prevented the request from succeeding',
      kind: ReviewDecodeError,
    },
    {
      name: 'not found without body',
      res: res('', 404, ''),
      error: 'the server could not find the requested resource',
      kind: ReviewDecodeError,
    },
    {
      name: 'Status body',
      res: res(
        { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'nope', code: 403 },
        403,
      ),
      error: 'nope',
      kind: ReviewDecodeError,
    },
    {
      name: 'missing kind',
      res: res({ response: { uid: '123' } }),
      error: `Object 'Kind' is missing in '{"response":{"uid":"123"}}'`,
      kind: ReviewDecodeError,
    },
  ];
  for (const f of failures) {
    it(f.name, () => {
      assert.throws(
        () => decodeAdmissionResponse(f.res, f.version ?? 'v1', '123', f.mutating ?? false),
        (e: unknown) => e instanceof f.kind && e.message === f.error,
      );
    });
  }
  it('decodes an allowed mutating response', () => {
    const patch = Buffer.from('[{"op":"add","path":"/a","value":1}]');
    const got = decodeAdmissionResponse(
      res(
        review({
          uid: '123',
          allowed: true,
          patch: patch.toString('base64'),
          patchType: 'JSONPatch',
          warnings: ['w'],
          auditAnnotations: { k: 'v' },
        }),
      ),
      'v1',
      '123',
      true,
    );
    assert.equal(got.allowed, true);
    assert.deepEqual(got.patch, patch);
    assert.equal(got.patchType, 'JSONPatch');
    assert.deepEqual(got.warnings, ['w']);
    assert.deepEqual(got.auditAnnotations, { k: 'v' });
  });
  it('v1beta1 ignores uid and pins the patch type', () => {
    const got = decodeAdmissionResponse(
      res(
        review(
          { uid: 'x', allowed: false, patch: PATCH, status: { message: 'm' } },
          'admission.k8s.io/v1beta1',
        ),
      ),
      'v1beta1',
      '123',
      true,
    );
    assert.equal(got.allowed, false);
    assert.equal(got.patchType, 'JSONPatch');
    assert.deepEqual(got.result, { message: 'm' });
  });
  it('picks the first supported review version', () => {
    assert.equal(pickReviewVersion(['v2', 'v1beta1', 'v1']), 'v1beta1');
    assert.equal(pickReviewVersion(['v2']), undefined);
  });
});

describe('createAdmissionReview', () => {
  it('omits empty fields as Go does and writes null objects', () => {
    const attrs: AdmissionAttributes = {
      operation: 'DELETE',
      resource: { group: '', version: 'v1', resource: 'nodes' },
      subresource: '',
      kind: { group: '', version: 'v1', kind: 'Node' },
      name: 'n1',
      namespace: '',
      oldObject: { kind: 'Node' },
      dryRun: true,
      userInfo: { username: 'bob', groups: [], extra: {} },
    };
    const r = createAdmissionReview(
      'v1',
      'u',
      attrs,
      { resource: attrs.resource, subresource: 'status', kind: attrs.kind },
      undefined,
      attrs.oldObject,
    );
    assert.equal(
      JSON.stringify(r),
      '{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{"uid":"u","kind":{"group":"","version":"v1","kind":"Node"},"resource":{"group":"","version":"v1","resource":"nodes"},"subResource":"status","requestKind":{"group":"","version":"v1","kind":"Node"},"requestResource":{"group":"","version":"v1","resource":"nodes"},"name":"n1","operation":"DELETE","userInfo":{"username":"bob"},"object":null,"oldObject":{"kind":"Node"},"dryRun":true,"options":null}}',
    );
  });
});
