import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { expandSubPathExpr } from './expansion.ts';

describe('expandSubPathExpr (ExpandContainerVolumeMounts)', () => {
  const env = [
    { name: 'POD_NAME', value: 'web-0' },
    { name: 'EMPTY', value: '' },
    { name: 'POD_NAME', value: 'web-1' },
  ];
  it('expands from env, later entries win', () => {
    assert.equal(expandSubPathExpr('logs/$(POD_NAME)', env), 'logs/web-1');
  });
  it('reports missing and empty names sorted', () => {
    assert.throws(() => expandSubPathExpr('$(ZED)/$(EMPTY)/$(ABC)', env), {
      message: 'missing value for ABC, EMPTY, ZED',
    });
  });
});
