import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Container } from 'kubernetes-types/core/v1.js';
import {
  decodeHealthCheckResponse,
  encodeHealthCheckRequest,
  encodeHealthCheckResponse,
  frameGrpcMessage,
  unframeGrpcMessage,
} from './grpc-health.ts';
import {
  canonicalHeaderKey,
  httpProbeRequest,
  httpStatusOutcome,
  interpretProbeOutcome,
  probeTiming,
  resolveContainerPort,
  tcpProbeAddress,
} from './probe-spec.ts';

const container: Container = { name: 'c', ports: [{ name: 'http', containerPort: 8080 }] };

describe('resolveContainerPort (probe.ResolveContainerPort)', () => {
  it('resolves numbers, names and numeric strings', () => {
    assert.equal(resolveContainerPort(80, container), 80);
    assert.equal(resolveContainerPort('http', container), 8080);
    assert.equal(resolveContainerPort('9090', container), 9090);
  });
  it('fails with upstream messages', () => {
    assert.throws(() => resolveContainerPort('metrics', container), {
      message: 'strconv.Atoi: parsing "metrics": invalid syntax',
    });
    assert.throws(() => resolveContainerPort(0, container), { message: 'invalid port number: 0' });
    assert.throws(() => resolveContainerPort(65536, container), {
      message: 'invalid port number: 65536',
    });
  });
});

describe('httpProbeRequest (NewRequestForHTTPGetAction)', () => {
  it('defaults host to the pod IP and sets User-Agent and Accept', () => {
    const r = httpProbeRequest(
      { httpGet: { path: '/healthz?x=1', port: 'http' } },
      container,
      '10.0.0.5',
    );
    assert.equal(r.url, 'http://10.0.0.5:8080/healthz?x=1');
    assert.deepEqual(r.headers, { 'User-Agent': ['kube-probe/1.32'], Accept: ['*/*'] });
  });
  it('keeps custom headers, canonicalises names, drops an empty Accept, honours Host', () => {
    const r = httpProbeRequest(
      {
        httpGet: {
          scheme: 'HTTPS',
          host: 'fd00::1',
          port: 443,
          path: 'ready',
          httpHeaders: [
            { name: 'x-custom-header', value: 'a' },
            { name: 'accept', value: '' },
            { name: 'user-agent', value: 'mine' },
            { name: 'host', value: 'example.com' },
          ],
        },
      },
      container,
      '10.0.0.5',
    );
    assert.equal(r.url, 'https://[fd00::1]:443/ready');
    assert.deepEqual(r.headers, {
      'X-Custom-Header': ['a'],
      'User-Agent': ['mine'],
      Host: ['example.com'],
    });
    assert.equal(r.hostHeader, 'example.com');
    assert.equal(canonicalHeaderKey('content-TYPE'), 'Content-Type');
  });
  it('builds tcp addresses', () => {
    assert.equal(
      tcpProbeAddress({ tcpSocket: { port: 'http' } }, container, '10.0.0.1'),
      '10.0.0.1:8080',
    );
  });
});

describe('outcomes and events (prober.go, http.go)', () => {
  it('judges HTTP status codes as DoHTTPProbe', () => {
    assert.deepEqual(httpStatusOutcome(200, 'ok'), { result: 'success', output: 'ok' });
    assert.deepEqual(httpStatusOutcome(399, 'moved'), {
      result: 'warning',
      output: 'Probe terminated redirects, Response body: moved',
    });
    assert.deepEqual(httpStatusOutcome(500, 'secret body'), {
      result: 'failure',
      output: 'HTTP probe failed with statuscode: 500',
    });
    assert.equal(httpStatusOutcome(199, '').result, 'failure');
  });
  it('formats events exactly', () => {
    assert.deepEqual(
      interpretProbeOutcome('liveness', {
        result: 'failure',
        output: 'HTTP probe failed with statuscode: 500',
      }),
      {
        result: 'failure',
        error: false,
        event: {
          type: 'Warning',
          reason: 'Unhealthy',
          message: 'Liveness probe failed: HTTP probe failed with statuscode: 500',
        },
      },
    );
    assert.equal(
      interpretProbeOutcome('readiness', {
        result: 'failure',
        output: 'dial tcp 10.0.0.1:80: connect: connection refused',
      }).event?.message,
      'Readiness probe failed: dial tcp 10.0.0.1:80: connect: connection refused',
    );
    assert.deepEqual(interpretProbeOutcome('startup', { result: 'warning', output: 'x' }), {
      result: 'success',
      error: false,
      event: { type: 'Warning', reason: 'ProbeWarning', message: 'Startup probe warning: x' },
    });
    assert.deepEqual(interpretProbeOutcome('startup', { result: 'unknown', output: '' }), {
      result: 'failure',
      error: false,
    });
  });
  it('defaults probe timing as SetDefaults_Probe', () => {
    assert.deepEqual(probeTiming({}), {
      initialDelaySeconds: 0,
      periodSeconds: 10,
      timeoutSeconds: 1,
      successThreshold: 1,
      failureThreshold: 3,
    });
  });
});

describe('grpc health protobuf', () => {
  it('encodes the request and decodes the response', () => {
    assert.deepEqual([...encodeHealthCheckRequest('')], []);
    assert.deepEqual([...encodeHealthCheckRequest('svc')], [0x0a, 3, 0x73, 0x76, 0x63]);
    assert.equal(decodeHealthCheckResponse(encodeHealthCheckResponse(1)), 1);
    assert.equal(decodeHealthCheckResponse(new Uint8Array()), 0);
    // Unknown fields are skipped: field 2 (string "ab") then status NOT_SERVING.
    assert.equal(decodeHealthCheckResponse(Uint8Array.from([0x12, 2, 0x61, 0x62, 0x08, 2])), 2);
  });
  it('frames messages', () => {
    const framed = frameGrpcMessage(Uint8Array.from([1, 2, 3]));
    assert.deepEqual([...framed], [0, 0, 0, 0, 3, 1, 2, 3]);
    assert.deepEqual([...unframeGrpcMessage(framed)!], [1, 2, 3]);
    assert.equal(unframeGrpcMessage(framed.subarray(0, 6)), undefined);
  });
});
