/**
 * IP and CIDR warnings of pkg/api/service/warnings.go (Kubernetes 1.32): addresses the
 * legacy parser accepted but Go's net/netip rejects (IPv4 octets with leading zeros), and IPv6
 * text that is not in RFC 5952 canonical form. Messages quote netip's errors.
 */
import { goQuote } from '../validation/index.ts';
import type { FieldPath } from '../validation/index.ts';

type Parsed = { ok: true; canonical: string; v6: boolean } | { ok: false; error: string };

function parseV4(s: string, whole: string): Parsed | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p) || Number(p) > 255) return undefined;
    if (p.length > 1 && p.startsWith('0')) {
      return {
        ok: false,
        error: `ParseAddr(${goQuote(whole)}): IPv4 field has octet with leading zero`,
      };
    }
  }
  return { ok: true, canonical: parts.map(Number).join('.'), v6: false };
}

/** Parses an IPv6 address into 8 groups (undefined when malformed). */
function parseV6Groups(s: string, whole: string): number[] | { error: string } | undefined {
  let text = s;
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    // An embedded IPv4 tail becomes two hex groups.
    const v4 = parseV4(last, whole);
    if (v4 === undefined) return undefined;
    if (!v4.ok) return { error: v4.error };
    const o = v4.canonical.split('.').map(Number);
    const hi = (((o[0] ?? 0) << 8) | (o[1] ?? 0)).toString(16);
    const lo = (((o[2] ?? 0) << 8) | (o[3] ?? 0)).toString(16);
    text = `${text.slice(0, lastColon + 1)}${hi}:${lo}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parse(halves[0] ?? '');
  const rest = halves.length === 2 ? parse(halves[1] ?? '') : [];
  if (head === undefined || rest === undefined) return undefined;
  const total = head.length + rest.length;
  if (halves.length === 2) {
    if (total > 7) return undefined;
    return [...head, ...new Array<number>(8 - total).fill(0), ...rest];
  }
  return total === 8 ? head : undefined;
}

/** RFC 5952 text of 8 groups, as netip.Addr.String() writes it (IPv4-mapped as ::ffff:a.b.c.d). */
function formatV6(g: readonly number[]): string {
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    const a = g[6] ?? 0;
    const b = g[7] ?? 0;
    return `::ffff:${String(a >> 8)}.${String(a & 0xff)}.${String(b >> 8)}.${String(b & 0xff)}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (x: number | undefined): string => (x ?? 0).toString(16);
  if (bestStart < 0) return g.map(hex).join(':');
  return `${g.slice(0, bestStart).map(hex).join(':')}::${g
    .slice(bestStart + bestLen)
    .map(hex)
    .join(':')}`;
}

function parseAddr(s: string): Parsed {
  if (!s.includes(':')) {
    return parseV4(s, s) ?? { ok: false, error: `ParseAddr(${goQuote(s)}): unable to parse IP` };
  }
  const groups = parseV6Groups(s, s);
  if (groups === undefined)
    return { ok: false, error: `ParseAddr(${goQuote(s)}): unable to parse IP` };
  if (!Array.isArray(groups)) return { ok: false, error: groups.error };
  return { ok: true, canonical: formatV6(groups), v6: true };
}

/** Warnings for one IP address field value (upstream getWarningsForIP). */
export function warningsForIP(path: FieldPath, address: string): string[] {
  const r = parseAddr(address);
  if (!r.ok) {
    return [
      `${path.toString()}: IP address was accepted, but will be invalid in a future Kubernetes release: ${r.error}`,
    ];
  }
  if (r.v6 && r.canonical !== address) {
    return [
      `${path.toString()}: IPv6 address ${goQuote(address)} is not in RFC 5952 canonical format (${goQuote(r.canonical)}), which may cause controller apply-loops`,
    ];
  }
  return [];
}

/** Warnings for one CIDR field value (upstream getWarningsForCIDR). */
export function warningsForCIDR(path: FieldPath, cidr: string): string[] {
  const slash = cidr.lastIndexOf('/');
  let error: string | undefined;
  let canonical = '';
  let v6 = false;
  if (slash < 0) {
    error = `netip.ParsePrefix(${goQuote(cidr)}): no '/'`;
  } else {
    const addr = parseAddr(cidr.slice(0, slash));
    const bits = cidr.slice(slash + 1);
    if (!addr.ok) {
      error = `netip.ParsePrefix(${goQuote(cidr)}): ${addr.error}`;
    } else if (!/^[0-9]+$/.test(bits) || (bits.length > 1 && bits.startsWith('0'))) {
      error = `netip.ParsePrefix(${goQuote(cidr)}): bad bits after slash: ${goQuote(bits)}`;
    } else if (Number(bits) > (addr.v6 ? 128 : 32)) {
      error = `netip.ParsePrefix(${goQuote(cidr)}): prefix length out of range`;
    } else {
      canonical = `${addr.canonical}/${String(Number(bits))}`;
      v6 = addr.v6;
    }
  }
  if (error !== undefined) {
    return [
      `${path.toString()}: IP prefix was accepted, but will be invalid in a future Kubernetes release: ${error}`,
    ];
  }
  if (v6 && canonical !== cidr) {
    return [
      `${path.toString()}: IPv6 prefix ${goQuote(cidr)} is not in RFC 5952 canonical format (${goQuote(canonical)}), which may cause controller apply-loops`,
    ];
  }
  return [];
}
