import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PromParseError, parsePrometheusText } from './prometheus.ts';

describe('parsePrometheusText', () => {
  it('parses the kubelet /metrics/resource exposition', () => {
    // As kubelet 1.32 writes it (pkg/kubelet/metrics/collectors/resource_metrics_test.go).
    const text = `# HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds
# TYPE container_cpu_usage_seconds_total counter
container_cpu_usage_seconds_total{container="container_a",namespace="namespace_a",pod="pod_a"} 10 1624396278302
container_cpu_usage_seconds_total{container="container_b",namespace="namespace_b",pod="pod_b"} 10 1624396278302
# HELP container_memory_working_set_bytes [STABLE] Current working set of the container in bytes
# TYPE container_memory_working_set_bytes gauge
container_memory_working_set_bytes{container="container_a",namespace="namespace_a",pod="pod_a"} 1000 1624396278302
# HELP node_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the node in core-seconds
# TYPE node_cpu_usage_seconds_total counter
node_cpu_usage_seconds_total 10 1624396278302
# HELP node_memory_working_set_bytes [STABLE] Current working set of the node in bytes
# TYPE node_memory_working_set_bytes gauge
node_memory_working_set_bytes 1000 1624396278302
# HELP scrape_error [ALPHA] 1 if there was an error while getting container metrics, 0 otherwise
# TYPE scrape_error gauge
scrape_error 0
`;
    const samples = parsePrometheusText(text);
    assert.equal(samples.length, 6);
    assert.deepEqual(samples[0], {
      name: 'container_cpu_usage_seconds_total',
      labels: { container: 'container_a', namespace: 'namespace_a', pod: 'pod_a' },
      value: 10,
      timestampMs: 1624396278302,
    });
    assert.deepEqual(samples[5], { name: 'scrape_error', labels: {}, value: 0 });
  });

  it('handles escapes, exponents, special values, spaces and CRLF', () => {
    const samples = parsePrometheusText(
      'm{a="x\\"y",b="line\\nnext",c="back\\\\slash",} 1.5e+07\r\nn { a = "1" } -Inf\nnan NaN\ninf +Inf 5\n',
    );
    assert.deepEqual(samples[0]?.labels, { a: 'x"y', b: 'line\nnext', c: 'back\\slash' });
    assert.equal(samples[0].value, 1.5e7);
    assert.deepEqual(samples[1], { name: 'n', labels: { a: '1' }, value: -Infinity });
    assert.ok(Number.isNaN(samples[2]?.value));
    assert.deepEqual(samples[3], { name: 'inf', labels: {}, value: Infinity, timestampMs: 5 });
  });

  it('reports the line of a malformed sample', () => {
    assert.throws(() => parsePrometheusText('ok 1\nbad{a="1" 2\n'), PromParseError);
    assert.throws(() => parsePrometheusText('# c\nm abc\n'), {
      message: 'text format parsing error in line 2: expected float as value, got "abc"',
    });
    assert.throws(() => parsePrometheusText('m 1 1.5\n'), /expected integer as timestamp/);
  });
});
