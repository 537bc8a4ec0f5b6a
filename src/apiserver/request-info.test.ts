import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestInfo } from './request-info.ts';

describe('parseRequestInfo', () => {
  const cases: [string, string, boolean, Record<string, string> | null][] = [
    ['GET', '/api', false, null],
    ['GET', '/api/v1', false, null],
    ['GET', '/apis', false, null],
    ['GET', '/apis/apps', false, null],
    ['GET', '/apis/apps/v1', false, null],
    ['GET', '/healthz', false, null],
    ['GET', '/api/v1/pods', false, { verb: 'list', resource: 'pods', namespace: '' }],
    [
      'GET',
      '/api/v1/namespaces/default/pods',
      false,
      { verb: 'list', namespace: 'default', resource: 'pods' },
    ],
    ['GET', '/api/v1/namespaces/default/pods', true, { verb: 'watch', resource: 'pods' }],
    [
      'GET',
      '/api/v1/watch/namespaces/default/pods',
      false,
      { verb: 'watch', namespace: 'default' },
    ],
    ['GET', '/api/v1/namespaces/default/pods/web', false, { verb: 'get', name: 'web' }],
    ['GET', '/api/v1/namespaces/default/pods/web/log', false, { verb: 'get', subresource: 'log' }],
    [
      'PUT',
      '/api/v1/namespaces/default/pods/web/status',
      false,
      { verb: 'update', subresource: 'status' },
    ],
    [
      'GET',
      '/api/v1/namespaces/default',
      false,
      { verb: 'get', resource: 'namespaces', name: 'default', namespace: 'default' },
    ],
    [
      'PUT',
      '/api/v1/namespaces/default/finalize',
      false,
      { verb: 'update', resource: 'namespaces', name: 'default', subresource: 'finalize' },
    ],
    [
      'GET',
      '/api/v1/namespaces/default/status',
      false,
      { verb: 'get', resource: 'namespaces', subresource: 'status' },
    ],
    ['GET', '/api/v1/namespaces', false, { verb: 'list', resource: 'namespaces', namespace: '' }],
    [
      'POST',
      '/apis/apps/v1/namespaces/ns1/deployments',
      false,
      { verb: 'create', group: 'apps', version: 'v1' },
    ],
    [
      'PATCH',
      '/apis/apps/v1/namespaces/ns1/deployments/d/scale',
      false,
      { verb: 'patch', subresource: 'scale' },
    ],
    ['DELETE', '/api/v1/namespaces/ns1/configmaps', false, { verb: 'deletecollection' }],
    ['DELETE', '/api/v1/namespaces/ns1/configmaps/c', false, { verb: 'delete', name: 'c' }],
    [
      'GET',
      '/api/v1/nodes/n1',
      false,
      { verb: 'get', resource: 'nodes', name: 'n1', namespace: '' },
    ],
    ['OPTIONS', '/api/v1/nodes', false, null],
  ];
  for (const [method, path, watch, want] of cases) {
    it(`${method} ${path}${watch ? '?watch' : ''}`, () => {
      const info = parseRequestInfo(method, path, watch);
      if (want === null) {
        assert.equal(info.isResourceRequest, false);
        return;
      }
      assert.equal(info.isResourceRequest, true);
      for (const [k, v] of Object.entries(want)) {
        assert.equal((info as unknown as Record<string, unknown>)[k], v, k);
      }
    });
  }
});
