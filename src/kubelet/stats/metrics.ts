/**
 * The kubelet's `/metrics/resource` endpoint (upstream pkg/kubelet/metrics/collectors/
 * resource_metrics.go) as Prometheus text exposition 0.0.4: families sorted by name, series by
 * label values, values formatted as Go's strconv 'g' shortest form (what client_golang's expfmt
 * writes: `1.2345678e+07`), sample timestamps in milliseconds. `scrape_error` is deprecated since
 * 1.29 and therefore hidden in 1.32, so only `resource_scrape_error` is written. Swap metrics are
 * not written because the summary carries no swap stats. Pure.
 */
import type { ContainerStats, PodStats, Summary } from './types.ts';

/** The Content-Type of the text this module produces. */
export const PROMETHEUS_TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  samples: { labels: [string, string][]; value: number; timestampMs?: number }[];
}

/**
 * Go's `strconv.FormatFloat(v, 'g', -1, 64)`: the shortest round-trip digits, in `%e` form when
 * the decimal exponent is < -4 or >= 6 (Go's rule for the shortest precision), e.g. `1e+06`,
 * `1.5e+09`, `123456`, `0.0001`, `1e-05`.
 */
export function formatGoFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [mant = '', expText = '0'] = v.toExponential().split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? '-' : '+';
    const abs = Math.abs(exp);
    return `${mant}e${sign}${abs < 10 ? `0${abs}` : String(abs)}`;
  }
  // Plain decimal with exactly the shortest digits.
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  let out: string;
  if (exp >= 0) {
    out =
      digits.length <= exp + 1
        ? digits.padEnd(exp + 1, '0')
        : `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  } else {
    out = `0.${'0'.repeat(-exp - 1)}${digits}`;
  }
  return neg ? `-${out}` : out;
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

const ms = (t: string): number => Date.parse(t);

/**
 * Renders the resource metrics of a summary. `scrapeError` (the summary could not be built) writes
 * only `resource_scrape_error 1`, as upstream does when GetCPUAndMemoryStats fails; pass
 * `undefined` for the summary then.
 */
export function renderResourceMetrics(summary: Summary | undefined): string {
  const fam = (name: string, help: string, type: Family['type']): Family => ({
    name,
    help,
    type,
    samples: [],
  });
  const nodeCpu = fam(
    'node_cpu_usage_seconds_total',
    '[STABLE] Cumulative cpu time consumed by the node in core-seconds',
    'counter',
  );
  const nodeMem = fam(
    'node_memory_working_set_bytes',
    '[STABLE] Current working set of the node in bytes',
    'gauge',
  );
  const cStart = fam(
    'container_start_time_seconds',
    '[STABLE] Start time of the container since unix epoch in seconds',
    'gauge',
  );
  const cCpu = fam(
    'container_cpu_usage_seconds_total',
    '[STABLE] Cumulative cpu time consumed by the container in core-seconds',
    'counter',
  );
  const cMem = fam(
    'container_memory_working_set_bytes',
    '[STABLE] Current working set of the container in bytes',
    'gauge',
  );
  const pCpu = fam(
    'pod_cpu_usage_seconds_total',
    '[STABLE] Cumulative cpu time consumed by the pod in core-seconds',
    'counter',
  );
  const pMem = fam(
    'pod_memory_working_set_bytes',
    '[STABLE] Current working set of the pod in bytes',
    'gauge',
  );
  const scrape = fam(
    'resource_scrape_error',
    '[STABLE] 1 if there was an error while getting container metrics, 0 otherwise',
    'gauge',
  );
  scrape.samples.push({ labels: [], value: summary === undefined ? 1 : 0 });
  if (summary !== undefined) {
    const n = summary.node;
    if (n.cpu?.usageCoreNanoSeconds !== undefined) {
      nodeCpu.samples.push({
        labels: [],
        value: n.cpu.usageCoreNanoSeconds / 1e9,
        timestampMs: ms(n.cpu.time),
      });
    }
    if (n.memory?.workingSetBytes !== undefined) {
      nodeMem.samples.push({
        labels: [],
        value: n.memory.workingSetBytes,
        timestampMs: ms(n.memory.time),
      });
    }
    for (const pod of summary.pods) {
      for (const c of pod.containers) addContainer(pod, c);
      const labels: [string, string][] = [
        ['namespace', pod.podRef.namespace],
        ['pod', pod.podRef.name],
      ];
      if (pod.cpu?.usageCoreNanoSeconds !== undefined) {
        pCpu.samples.push({
          labels,
          value: pod.cpu.usageCoreNanoSeconds / 1e9,
          timestampMs: ms(pod.cpu.time),
        });
      }
      if (pod.memory?.workingSetBytes !== undefined) {
        pMem.samples.push({
          labels,
          value: pod.memory.workingSetBytes,
          timestampMs: ms(pod.memory.time),
        });
      }
    }
  }
  function addContainer(pod: PodStats, c: ContainerStats): void {
    const labels: [string, string][] = [
      ['container', c.name],
      ['namespace', pod.podRef.namespace],
      ['pod', pod.podRef.name],
    ];
    const start = ms(c.startTime);
    if (start / 1000 >= 1) cStart.samples.push({ labels, value: start / 1000 });
    if (c.cpu?.usageCoreNanoSeconds !== undefined) {
      cCpu.samples.push({
        labels,
        value: c.cpu.usageCoreNanoSeconds / 1e9,
        timestampMs: ms(c.cpu.time),
      });
    }
    if (c.memory?.workingSetBytes !== undefined) {
      cMem.samples.push({
        labels,
        value: c.memory.workingSetBytes,
        timestampMs: ms(c.memory.time),
      });
    }
  }
  const families = [nodeCpu, nodeMem, cStart, cCpu, cMem, pCpu, pMem, scrape]
    .filter((f) => f.samples.length > 0)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
    const rendered = f.samples.map((s) => {
      const l =
        s.labels.length === 0
          ? ''
          : `{${s.labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
      const ts =
        s.timestampMs === undefined || Number.isNaN(s.timestampMs) ? '' : ` ${s.timestampMs}`;
      return { key: l, line: `${f.name}${l} ${formatGoFloat(s.value)}${ts}` };
    });
    rendered.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const r of rendered) lines.push(r.line);
  }
  return `${lines.join('\n')}\n`;
}
