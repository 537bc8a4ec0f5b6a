/**
 * A parser of the Prometheus text exposition format (0.0.4), as the kubelet's
 * `/metrics/resource` writes it: comments, `name{label="value",...} value [timestamp]`, label
 * value escapes (`\\`, `\"`, `\n`), NaN and ±Inf. Pure.
 */

/** One sample line. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** Milliseconds since the epoch, when the line carries one. */
  timestampMs?: number;
}

/** A malformed exposition line; `line` is 1-based. */
export class PromParseError extends Error {
  override readonly name = 'PromParseError';
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`text format parsing error in line ${String(line)}: ${message}`);
  }
}

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*/;

function parseValue(text: string, line: number): number {
  switch (text) {
    case 'NaN':
      return NaN;
    case '+Inf':
    case 'Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
    throw new PromParseError(line, `expected float as value, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** Parses a whole exposition; throws PromParseError on the first malformed line. */
export function parsePrometheusText(text: string): PromSample[] {
  const samples: PromSample[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = (lines[i] ?? '').replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#')) continue;
    const nameMatch = NAME_RE.exec(line);
    if (nameMatch === null) throw new PromParseError(lineNo, 'invalid metric name');
    const name = nameMatch[0];
    let pos = name.length;
    const labels: Record<string, string> = {};
    while (line[pos] === ' ' || line[pos] === '\t') pos++;
    if (line[pos] === '{') {
      pos++;
      for (;;) {
        while (line[pos] === ' ' || line[pos] === '\t') pos++;
        if (line[pos] === '}') {
          pos++;
          break;
        }
        const labelMatch = LABEL_RE.exec(line.slice(pos));
        if (labelMatch === null) throw new PromParseError(lineNo, 'invalid label name');
        const label = labelMatch[0];
        pos += label.length;
        while (line[pos] === ' ') pos++;
        if (line[pos] !== '=') {
          throw new PromParseError(lineNo, `expected '=' after label name ${label}`);
        }
        pos++;
        while (line[pos] === ' ') pos++;
        if (line[pos] !== '"') {
          throw new PromParseError(lineNo, `expected '"' to start the value of label ${label}`);
        }
        pos++;
        let value = '';
        for (;;) {
          const c = line[pos];
          if (c === undefined) {
            throw new PromParseError(lineNo, `unterminated value of label ${label}`);
          }
          pos++;
          if (c === '"') break;
          if (c === '\\') {
            const e = line[pos];
            pos++;
            if (e === 'n') value += '\n';
            else if (e === '\\' || e === '"') value += e;
            else throw new PromParseError(lineNo, `invalid escape sequence '\\${e ?? ''}'`);
            continue;
          }
          value += c;
        }
        labels[label] = value;
        while (line[pos] === ' ') pos++;
        if (line[pos] === ',') {
          pos++;
          continue;
        }
        if (line[pos] === '}') {
          pos++;
          break;
        }
        throw new PromParseError(
          lineNo,
          `unexpected ${JSON.stringify(line[pos] ?? 'end of line')} in label set`,
        );
      }
    }
    const rest = line
      .slice(pos)
      .trim()
      .split(/[ \t]+/);
    if (rest.length < 1 || rest[0] === '' || rest.length > 2) {
      throw new PromParseError(lineNo, 'expected a value and an optional timestamp');
    }
    const sample: PromSample = { name, labels, value: parseValue(rest[0] ?? '', lineNo) };
    if (rest[1] !== undefined) {
      if (!/^-?\d+$/.test(rest[1])) {
        throw new PromParseError(
          lineNo,
          `expected integer as timestamp, got ${JSON.stringify(rest[1])}`,
        );
      }
      sample.timestampMs = Number(rest[1]);
    }
    samples.push(sample);
  }
  return samples;
}
