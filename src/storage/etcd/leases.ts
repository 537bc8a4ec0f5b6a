/**
 * Lease reuse for TTL writes, as Kubernetes' etcd3 leaseManager does: granting one lease per
 * write (one per Event object) would flood etcd with leases, so a lease is reused while its
 * expiry falls inside [now + ttl, now + ttl + reuse], where reuse = min(5% of ttl, 60 s). Keys
 * therefore expire between ttl and ttl + reuse seconds after the write. One cached lease per
 * distinct TTL.
 */

const reusePercent = 0.05;
const maxReuseSeconds = 60;

interface CachedLease {
  id: string;
  /** ms since epoch at which etcd expires the lease (measured from before the grant). */
  expiresAt: number;
}

/** Grants a lease with the given TTL in seconds and resolves to its ID (decimal string). */
export type GrantLease = (ttlSeconds: number) => Promise<string>;

/** Caches leases per TTL. Not persistent; a fresh backend grants new leases. */
export class LeaseCache {
  private readonly leases = new Map<number, CachedLease>();
  private readonly pending = new Map<number, Promise<string>>();
  private readonly grant: GrantLease;
  private readonly now: () => number;

  constructor(grant: GrantLease, now: () => number = Date.now) {
    this.grant = grant;
    this.now = now;
  }

  /** A lease ID whose expiry lies between ttl and ttl + reuse seconds from now. */
  async leaseFor(ttlSeconds: number): Promise<string> {
    const ttl = Math.max(1, Math.ceil(ttlSeconds));
    const reuse = Math.min(Math.floor(ttl * reusePercent), maxReuseSeconds);
    const now = this.now();
    const cached = this.leases.get(ttl);
    if (
      cached !== undefined &&
      now + ttl * 1000 < cached.expiresAt &&
      now + (ttl + reuse) * 1000 >= cached.expiresAt
    ) {
      return cached.id;
    }
    // Concurrent writers with the same TTL share one grant.
    const inflight = this.pending.get(ttl);
    if (inflight !== undefined) return inflight;
    const p = (async () => {
      try {
        const id = await this.grant(ttl + reuse);
        if (reuse > 0) this.leases.set(ttl, { id, expiresAt: now + (ttl + reuse) * 1000 });
        return id;
      } finally {
        this.pending.delete(ttl);
      }
    })();
    this.pending.set(ttl, p);
    return p;
  }

  /** Forgets a lease etcd no longer knows (expired or revoked). */
  invalidate(id: string): void {
    for (const [ttl, lease] of this.leases) {
      if (lease.id === id) this.leases.delete(ttl);
    }
  }
}
