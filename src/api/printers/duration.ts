/**
 * Human-readable durations, ported from Kubernetes 1.32
 * staging/src/k8s.io/apimachinery/pkg/util/duration/duration.go. Durations are milliseconds
 * (JavaScript's clock unit); Go truncates toward zero when it converts to whole units, so do we.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * A succinct duration with limited precision (`ShortHumanDuration`): `"<invalid>"` below -1s
 * (two seconds of clock skew are tolerated as "now"), `"0s"` for small negatives, then whole
 * seconds, minutes, hours, days or years, the largest unit only.
 */
export function shortHumanDuration(ms: number): string {
  const seconds = Math.trunc(ms / SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60) return `${String(seconds)}s`;
  const minutes = Math.trunc(ms / MINUTE);
  if (minutes < 60) return `${String(minutes)}m`;
  const hours = Math.trunc(ms / HOUR);
  if (hours < 24) return `${String(hours)}h`;
  if (hours < 24 * 365) return `${String(Math.trunc(hours / 24))}d`;
  return `${String(Math.trunc(ms / HOUR / 24 / 365))}y`;
}

/**
 * A duration with about two or three significant figures (`HumanDuration`), as `kubectl get`
 * shows ages: `"45s"`, `"3m20s"`, `"15m"`, `"5h30m"`, `"20h"`, `"2d3h"`, `"90d"`, `"3y2d"`,
 * `"10y"`; `"<invalid>"` below -1s and `"0s"` for small negatives.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${String(seconds)}s`;
  const minutes = Math.trunc(ms / MINUTE);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${String(minutes)}m` : `${String(minutes)}m${String(s)}s`;
  }
  if (minutes < 60 * 3) return `${String(minutes)}m`;
  const hours = Math.trunc(ms / HOUR);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${String(hours)}h` : `${String(hours)}h${String(m)}m`;
  }
  if (hours < 48) return `${String(hours)}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    const days = Math.trunc(hours / 24);
    return h === 0 ? `${String(days)}d` : `${String(days)}d${String(h)}h`;
  }
  if (hours < 24 * 365 * 2) return `${String(Math.trunc(hours / 24))}d`;
  if (hours < 24 * 365 * 8) {
    const days = Math.trunc(hours / 24);
    return `${String(Math.trunc(days / 365))}y${String(days % 365)}d`;
  }
  return `${String(Math.trunc(hours / 24 / 365))}y`;
}
