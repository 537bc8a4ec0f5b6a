import { test } from 'node:test';
import assert from 'node:assert/strict';
import { humanDuration, shortHumanDuration } from './duration.ts';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

// upstream staging/src/k8s.io/apimachinery/pkg/util/duration/duration_test.go and kubectl ages
test('humanDuration', () => {
  const cases: [number, string][] = [
    [S, '1s'],
    [70 * S, '70s'],
    [119 * S, '119s'],
    [120 * S, '2m'],
    [190 * S, '3m10s'],
    [200 * S, '3m20s'],
    [10 * M, '10m'],
    [70 * M, '70m'],
    [100 * M, '100m'],
    [3 * H, '3h'],
    [5 * H + 30 * M, '5h30m'],
    [47 * H, '47h'],
    [49 * H, '2d1h'],
    [2 * D + 3 * H, '2d3h'],
    [2 * D, '2d'],
    [(8 * 24 + 2) * H, '8d'],
    [90 * D, '90d'],
    [367 * 24 * H, '367d'],
    [(365 * 2 * 24 + 25) * H, '2y1d'],
    [(365 * 8 * 24 + 2) * H, '8y'],
    [10 * 365 * D, '10y'],
    [0, '0s'],
    [-1900, '0s'],
    [-2100, '<invalid>'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${String(ms)}ms`);
});

test('shortHumanDuration', () => {
  const cases: [number, string][] = [
    [S, '1s'],
    [59 * S, '59s'],
    [70 * S, '1m'],
    [59 * M, '59m'],
    [2 * H + 30 * M, '2h'],
    [49 * H, '2d'],
    [400 * D, '1y'],
    [-1500, '0s'],
    [-2500, '<invalid>'],
  ];
  for (const [ms, want] of cases) assert.equal(shortHumanDuration(ms), want, `${String(ms)}ms`);
});
