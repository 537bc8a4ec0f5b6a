/**
 * Service IP and NodePort allocation (upstream pkg/registry/core/service/ipallocator and
 * portallocator over storage-backed bitmaps): ClusterIPs from the service CIDR (default
 * 10.96.0.0/12; the first address is the `kubernetes` Service's), NodePorts from 30000-32767.
 */
import { newInvalid, newPath, invalid, type FieldError } from '../../api/index.ts';
import type { Storage, StoredObject } from '../../storage/index.ts';
import {
  AllocationError,
  BitmapAllocator,
  ipv4ToNumber,
  ipv4ToString,
  parseIPv4Cidr,
} from './allocator.ts';

export interface ServiceAllocatorOptions {
  serviceCIDR?: string;
  nodePortRange?: { base: number; size: number };
}

interface ServicePort {
  port?: number;
  nodePort?: number;
}
interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ipFamilies?: string[];
  ipFamilyPolicy?: string;
  ports?: ServicePort[];
}

export const DEFAULT_SERVICE_CIDR = '10.96.0.0/12';

export class ServiceAllocator {
  readonly cidr: string;
  private readonly base: number;
  private readonly ips: BitmapAllocator;
  private readonly ports: BitmapAllocator;
  private readonly portBase: number;

  constructor(storage: Storage, opts: ServiceAllocatorOptions = {}) {
    this.cidr = opts.serviceCIDR ?? DEFAULT_SERVICE_CIDR;
    const { base, size } = parseIPv4Cidr(this.cidr);
    this.base = base;
    this.ips = new BitmapAllocator(
      storage,
      '/registry/ranges/serviceips',
      this.cidr,
      size,
      new Set([0, size - 1]),
    );
    const pr = opts.nodePortRange ?? { base: 30000, size: 2768 };
    this.portBase = pr.base;
    this.ports = new BitmapAllocator(
      storage,
      '/registry/ranges/servicenodeports',
      `${String(pr.base)}-${String(pr.base + pr.size - 1)}`,
      pr.size,
    );
  }

  /** The address the `kubernetes` Service gets (first in the range). */
  get firstIP(): string {
    return ipv4ToString(this.base + 1);
  }

  private invalidService(svc: StoredObject, errs: FieldError[]): Error {
    return newInvalid({ group: '', kind: 'Service' }, svc.metadata?.name ?? '', errs);
  }

  /**
   * Allocates what `svc` needs and writes it into the object; returns an undo for when the
   * create then fails. In dry-run mode nothing is persisted.
   */
  async allocate(svc: StoredObject, dryRun: boolean): Promise<() => Promise<void>> {
    const spec = (svc['spec'] ?? {}) as ServiceSpec;
    const undo: (() => Promise<void>)[] = [];
    const rollback = async (): Promise<void> => {
      for (const u of undo.reverse()) await u();
    };
    try {
      if (spec.type !== 'ExternalName') {
        const wanted = spec.clusterIP ?? spec.clusterIPs?.[0] ?? '';
        if (wanted !== 'None') {
          let ip: string;
          if (wanted === '') {
            const off = dryRun ? 1 : await this.ips.allocateNext();
            ip = ipv4ToString(this.base + off);
            if (!dryRun) undo.push(() => this.ips.release(off));
          } else {
            const n = ipv4ToNumber(wanted);
            const off = n === undefined ? -1 : n - this.base;
            try {
              if (dryRun) {
                if (await this.ips.has(off))
                  throw new AllocationError('provided IP is already allocated');
              } else {
                await this.ips.allocate(off);
                undo.push(() => this.ips.release(off));
              }
            } catch (err) {
              if (!(err instanceof AllocationError)) throw err;
              const reason =
                err.message === 'provided value is not in the valid range'
                  ? `the provided IP (${wanted}) is not in the valid range. The range of valid IPs is ${this.cidr}`
                  : 'provided IP is already allocated';
              throw this.invalidService(svc, [
                invalid(
                  newPath('spec', 'clusterIPs'),
                  [wanted],
                  `failed to allocate IP ${wanted}: ${reason}`,
                ),
              ]);
            }
            ip = wanted;
          }
          spec.clusterIP = ip;
          spec.clusterIPs = [ip];
        } else {
          spec.clusterIPs = ['None'];
        }
        spec.ipFamilies ??= ['IPv4'];
        spec.ipFamilyPolicy ??= 'SingleStack';
      }
      if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
        const ports = spec.ports ?? [];
        for (let i = 0; i < ports.length; i++) {
          const p = ports[i];
          if (p === undefined) continue;
          if (p.nodePort === undefined || p.nodePort === 0) {
            if (dryRun) continue;
            const off = await this.ports.allocateNext();
            p.nodePort = this.portBase + off;
            undo.push(() => this.ports.release(off));
          } else {
            const off = p.nodePort - this.portBase;
            try {
              if (!dryRun) {
                await this.ports.allocate(off);
                undo.push(() => this.ports.release(off));
              } else if (await this.ports.has(off)) {
                throw new AllocationError('provided port is already allocated');
              }
            } catch (err) {
              if (!(err instanceof AllocationError)) throw err;
              const msg =
                err.message === 'provided value is not in the valid range'
                  ? `provided port is not in the valid range. The range of valid ports is ${String(this.portBase)}-${String(this.portBase + 2767)}`
                  : 'provided port is already allocated';
              throw this.invalidService(svc, [
                invalid(newPath('spec', 'ports').index(i).child('nodePort'), p.nodePort, msg),
              ]);
            }
          }
        }
      }
      svc['spec'] = spec;
      return rollback;
    } catch (err) {
      await rollback();
      throw err;
    }
  }

  /**
   * Prepares an update of a Service (upstream dropTypeDependentFields + allocUpdate): fields
   * that only make sense for the old type are dropped when the client left them unchanged,
   * node ports and cluster IPs are reserved for what the new object needs, and what the old
   * object held but the new one does not is released by `commit` after the write.
   */
  async update(
    svc: StoredObject,
    old: StoredObject,
    dryRun: boolean,
  ): Promise<{ undo(): Promise<void>; commit(): Promise<void> }> {
    const spec = (svc['spec'] ?? {}) as ServiceSpec & {
      externalTrafficPolicy?: string;
      healthCheckNodePort?: number;
    };
    const oldSpec = (old['spec'] ?? {}) as ServiceSpec & { externalTrafficPolicy?: string };
    const type = spec.type ?? 'ClusterIP';
    const oldType = oldSpec.type ?? 'ClusterIP';
    const wantsNodePorts = type === 'NodePort' || type === 'LoadBalancer';
    const oldPorts = new Set(
      (oldSpec.ports ?? []).map((p) => p.nodePort).filter((n): n is number => (n ?? 0) > 0),
    );
    if (!wantsNodePorts) {
      for (const p of spec.ports ?? []) {
        if (p.nodePort !== undefined && oldPorts.has(p.nodePort)) delete p.nodePort;
      }
      if (spec.externalTrafficPolicy === oldSpec.externalTrafficPolicy)
        delete spec.externalTrafficPolicy;
      delete spec.healthCheckNodePort;
    }
    const undo: (() => Promise<void>)[] = [];
    const release: StoredObject = { spec: { ports: [] as ServicePort[] } };
    const releasePorts = (release['spec'] as ServiceSpec).ports ?? [];
    try {
      if (type === 'ExternalName' && oldType !== 'ExternalName') {
        if (spec.clusterIP === oldSpec.clusterIP) delete spec.clusterIP;
        if (JSON.stringify(spec.clusterIPs) === JSON.stringify(oldSpec.clusterIPs))
          delete spec.clusterIPs;
        delete spec.ipFamilies;
        delete spec.ipFamilyPolicy;
        (release['spec'] as ServiceSpec).clusterIPs = oldSpec.clusterIPs ?? [];
      } else if (type !== 'ExternalName' && oldType === 'ExternalName') {
        const fresh: StoredObject = {
          metadata: svc.metadata ?? {},
          spec: { clusterIP: spec.clusterIP ?? '' },
        };
        undo.push(await this.allocate(fresh, dryRun));
        const got = fresh['spec'] as ServiceSpec;
        spec.clusterIP = got.clusterIP;
        spec.clusterIPs = got.clusterIPs;
        spec.ipFamilies = got.ipFamilies;
        spec.ipFamilyPolicy = got.ipFamilyPolicy;
      }
      const kept = new Set<number>();
      if (wantsNodePorts) {
        const ports = spec.ports ?? [];
        for (let i = 0; i < ports.length; i++) {
          const p = ports[i];
          if (p === undefined) continue;
          if (p.nodePort !== undefined && p.nodePort > 0 && oldPorts.has(p.nodePort)) {
            kept.add(p.nodePort);
            continue;
          }
          // New or changed port: reserve it like a create would.
          const one: StoredObject = {
            metadata: svc.metadata ?? {},
            spec: { type: 'NodePort', clusterIP: 'None', ports: [{ ...p }] },
          };
          undo.push(await this.allocate(one, dryRun));
          const got = ((one['spec'] as ServiceSpec).ports ?? [])[0];
          if (got?.nodePort !== undefined) p.nodePort = got.nodePort;
        }
      }
      for (const n of oldPorts) if (!kept.has(n)) releasePorts.push({ nodePort: n });
      svc['spec'] = spec;
    } catch (err) {
      for (const u of undo.reverse()) await u();
      throw err;
    }
    return {
      undo: async () => {
        for (const u of undo.reverse()) await u();
      },
      commit: async () => {
        if (!dryRun) await this.release(release);
      },
    };
  }

  /** Frees what a deleted Service held. */
  async release(svc: StoredObject): Promise<void> {
    const spec = (svc['spec'] ?? {}) as ServiceSpec;
    for (const ip of spec.clusterIPs ?? (spec.clusterIP !== undefined ? [spec.clusterIP] : [])) {
      const n = ipv4ToNumber(ip);
      if (n !== undefined) await this.ips.release(n - this.base);
    }
    for (const p of spec.ports ?? []) {
      if (p.nodePort !== undefined && p.nodePort > 0)
        await this.ports.release(p.nodePort - this.portBase);
    }
  }
}
