/**
 * IP address text to bytes, for subjectAltName iPAddress entries (RFC 5280 §4.2.1.6: 4 octets
 * for IPv4, 16 for IPv6). Pure: no node:net, so the PKI stays free of I/O modules.
 */

/** Parses dotted-quad IPv4 ("10.96.0.1"); null if malformed. Leading zeros are rejected, as Go does. */
function parseIPv4(text: string): Buffer | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out = Buffer.alloc(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] ?? '';
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

/** Parses IPv6 text, with `::` and an embedded IPv4 tail; a `%zone` suffix is ignored. */
function parseIPv6(text: string): Buffer | null {
  const zone = text.indexOf('%');
  const s = zone >= 0 ? text.slice(0, zone) : text;
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parseGroups = (part: string): number[] | null => {
    if (part === '') return [];
    const groups: number[] = [];
    const items = part.split(':');
    for (let i = 0; i < items.length; i++) {
      const item = items[i] ?? '';
      if (i === items.length - 1 && item.includes('.')) {
        const v4 = parseIPv4(item);
        if (v4 === null) return null;
        groups.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(item)) return null;
      groups.push(parseInt(item, 16));
    }
    return groups;
  };
  const head = parseGroups(halves[0] ?? '');
  const tail = halves.length === 2 ? parseGroups(halves[1] ?? '') : [];
  if (head === null || tail === null) return null;
  let groups: number[];
  if (halves.length === 2) {
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return null;
    groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    groups = head;
  }
  if (groups.length !== 8) return null;
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/**
 * The network-order bytes of an IPv4 (4 bytes) or IPv6 (16 bytes) address in text form, or null
 * when the text is not an IP address. IPv4 is tried first, so "10.0.0.1" gives 4 bytes.
 */
export function parseIp(text: string): Buffer | null {
  return text.includes(':') ? parseIPv6(text) : parseIPv4(text);
}

/**
 * Formats 4 or 16 address bytes as canonical text: dotted quad for IPv4; for IPv6 the RFC 5952
 * form (lower case, no leading zeros, the longest run of two or more zero groups as `::`, the
 * first such run on a tie). Parsing the result with parseIp gives the same bytes back.
 */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  if (bytes.length !== 16)
    throw new RangeError(`IP address must be 4 or 16 bytes, got ${bytes.length}`);
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]): string => gs.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}
