/**
 * Pod and pod-template warnings, ported from pkg/api/pod/warnings.go (Kubernetes 1.32):
 * deprecated node labels in selectors, affinity and topology spread, deprecated annotations,
 * deprecated volume plugins, duplicate paths with a projected service account token,
 * duplicate hostAliases and imagePullSecrets, fractional byte quantities, seccomp/AppArmor
 * annotations without their fields, env entries hiding earlier ones, conflicting ports,
 * negative terminationGracePeriodSeconds, null pod-affinity label selectors.
 *
 * Objects are the wire (v1) form, after defaulting; they are only read.
 */
import type {
  Container,
  ContainerPort,
  PodAffinityTerm,
  PodSpec,
  PodTemplateSpec,
  WeightedPodAffinityTerm,
} from 'kubernetes-types/core/v1.js';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { parseQuantity } from '../quantity.ts';
import { goQuote, newPath } from '../validation/index.ts';
import type { FieldPath } from '../validation/index.ts';
import { nodeLabelDeprecatedMessage, warningsForNodeSelectorTerm } from './node.ts';
import { warningsForPersistentVolumeClaimSpec } from './storage.ts';

type Meta = ObjectMeta;

/** `base.child(names...)`, or a new root path when `base` is undefined (Go's nil *Path). */
export function childPath(base: FieldPath | undefined, name: string, ...more: string[]): FieldPath {
  return base === undefined ? newPath(name, ...more) : base.child(name, ...more);
}

const DEPRECATED_ANNOTATIONS: readonly { key: string; message: string }[] = [
  {
    key: 'scheduler.alpha.kubernetes.io/critical-pod',
    message: 'non-functional in v1.16+; use the "priorityClassName" field instead',
  },
  {
    key: 'security.alpha.kubernetes.io/sysctls',
    message: 'non-functional in v1.11+; use the "sysctls" field instead',
  },
  {
    key: 'security.alpha.kubernetes.io/unsafe-sysctls',
    message: 'non-functional in v1.11+; use the "sysctls" field instead',
  },
];

const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER_ANNOTATION_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';
const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

/** Volume plugins and their deprecation messages, in upstream's order. */
const DEPRECATED_VOLUMES: readonly (readonly [string, string])[] = [
  ['photonPersistentDisk', 'deprecated in v1.11, non-functional in v1.16+'],
  ['gitRepo', 'deprecated in v1.11'],
  ['scaleIO', 'deprecated in v1.16, non-functional in v1.22+'],
  ['flocker', 'deprecated in v1.22, non-functional in v1.25+'],
  ['storageos', 'deprecated in v1.22, non-functional in v1.25+'],
  ['quobyte', 'deprecated in v1.22, non-functional in v1.25+'],
  ['glusterfs', 'deprecated in v1.25, non-functional in v1.26+'],
];

/**
 * A quantity whose milli-value is not a whole number of units (`4m` of memory), as a string
 * for the warning, or undefined when fine or unparseable (validation reports the latter).
 */
export function fractionalByteValue(raw: unknown): string | undefined {
  if (typeof raw !== 'string' && typeof raw !== 'number') return undefined;
  try {
    const q = parseQuantity(String(raw));
    return q.scaledValue(-3) % 1000n !== 0n ? q.toString() : undefined;
  } catch {
    return undefined;
  }
}

/** Warnings for a pod (upstream GetWarningsForPod); paths start at the pod (`spec...`). */
export function warningsForPod(
  pod: { metadata?: Meta; spec?: PodSpec } | undefined,
  oldPod?: { metadata?: Meta; spec?: PodSpec },
): string[] {
  if (pod === undefined) return [];
  return warningsForPodSpecAndMeta(
    undefined,
    pod.spec ?? { containers: [] },
    pod.metadata ?? {},
    oldPod?.spec,
    oldPod?.metadata,
  );
}

/**
 * Warnings for a pod template at `path` (upstream GetWarningsForPodTemplate), e.g.
 * `spec.template` for a Deployment.
 */
export function warningsForPodTemplate(
  path: FieldPath,
  template: PodTemplateSpec | undefined,
  oldTemplate?: PodTemplateSpec,
): string[] {
  if (template === undefined) return [];
  return warningsForPodSpecAndMeta(
    path,
    template.spec ?? { containers: [] },
    template.metadata ?? {},
    oldTemplate?.spec,
    oldTemplate?.metadata,
  );
}

function visitContainers(
  spec: PodSpec,
  specPath: FieldPath,
  visit: (c: Container, path: FieldPath) => void,
): void {
  (spec.initContainers ?? []).forEach((c, i) => {
    visit(c, specPath.child('initContainers').index(i));
  });
  spec.containers.forEach((c, i) => {
    visit(c, specPath.child('containers').index(i));
  });
  (spec.ephemeralContainers ?? []).forEach((c, i) => {
    visit(c, specPath.child('ephemeralContainers').index(i));
  });
}

function warningsForPodSpecAndMeta(
  fieldPath: FieldPath | undefined,
  podSpec: PodSpec,
  meta: Meta,
  _oldSpec: PodSpec | undefined,
  _oldMeta: Meta | undefined,
): string[] {
  const warnings: string[] = [];
  const p = (...names: [string, ...string[]]): FieldPath => childPath(fieldPath, ...names);
  const annotations = meta.annotations ?? {};

  // deprecated node labels in selectors/affinity/topology
  for (const k of Object.keys(podSpec.nodeSelector ?? {})) {
    const msg = nodeLabelDeprecatedMessage(k);
    if (msg !== undefined) warnings.push(`${p('spec', 'nodeSelector').key(k).toString()}: ${msg}`);
  }
  const nodeAffinity = podSpec.affinity?.nodeAffinity;
  if (nodeAffinity !== undefined) {
    const required = nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution;
    if (required !== undefined) {
      const termPath = p(
        'spec',
        'affinity',
        'nodeAffinity',
        'requiredDuringSchedulingIgnoredDuringExecution',
        'nodeSelectorTerms',
      );
      required.nodeSelectorTerms.forEach((term, i) => {
        warnings.push(...warningsForNodeSelectorTerm(term, termPath.index(i)));
      });
    }
    const preferredPath = p(
      'spec',
      'affinity',
      'nodeAffinity',
      'preferredDuringSchedulingIgnoredDuringExecution',
    );
    (nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((term, i) => {
      warnings.push(
        ...warningsForNodeSelectorTerm(term.preference, preferredPath.index(i).child('preference')),
      );
    });
  }
  (podSpec.topologySpreadConstraints ?? []).forEach((t, i) => {
    const base = p('spec', 'topologySpreadConstraints').index(i);
    const msg = nodeLabelDeprecatedMessage(t.topologyKey);
    if (msg !== undefined) {
      warnings.push(`${base.child('topologyKey').toString()}: ${t.topologyKey} is ${msg}`);
    }
    if (t.labelSelector == null) {
      warnings.push(
        `${base.child('labelSelector').toString()}: a null labelSelector results in matching no pod`,
      );
    }
  });

  // deprecated annotations
  for (const d of DEPRECATED_ANNOTATIONS) {
    if (d.key in annotations) {
      warnings.push(`${p('metadata', 'annotations').key(d.key).toString()}: ${d.message}`);
    }
  }

  // deprecated and removed volume plugins
  const volumes = podSpec.volumes ?? [];
  volumes.forEach((v, i) => {
    const vp = p('spec', 'volumes').index(i);
    const source = v as unknown as Record<string, unknown>;
    for (const [name, msg] of DEPRECATED_VOLUMES) {
      if (source[name] != null) {
        // upstream's path names the Go field: storageOS, not the wire name storageos
        warnings.push(`${vp.child(name === 'storageos' ? 'storageOS' : name).toString()}: ${msg}`);
      }
    }
    const claim = v.ephemeral?.volumeClaimTemplate;
    if (claim != null) {
      warnings.push(
        ...warningsForPersistentVolumeClaimSpec(
          vp.child('ephemeral').child('volumeClaimTemplate').child('spec'),
          claim.spec,
        ),
      );
    }
    if (v.cephfs != null)
      warnings.push(
        `${vp.child('cephfs').toString()}: deprecated in v1.28, non-functional in v1.31+`,
      );
    if (v.rbd != null)
      warnings.push(`${vp.child('rbd').toString()}: deprecated in v1.28, non-functional in v1.31+`);
  });

  // paths shared with a projected service account token
  const tokenPaths = new Set<string>();
  for (const v of volumes) {
    for (const s of v.projected?.sources ?? []) {
      if (s.serviceAccountToken != null) tokenPaths.add(s.serviceAccountToken.path);
    }
  }
  if (tokenPaths.size > 0) {
    volumes.forEach((v, i) => {
      const vp = p('spec', 'volumes').index(i);
      for (const s of v.projected?.sources ?? []) {
        (s.configMap?.items ?? []).forEach((item, j) => {
          if (tokenPaths.has(item.path)) {
            warnings.push(
              `${vp.child('projected', 'sources', 'configMap').index(j).toString()}: has duplicated path with ServiceAccountToken ${goQuote(item.path)}`,
            );
          }
        });
        (s.secret?.items ?? []).forEach((item, j) => {
          if (tokenPaths.has(item.path)) {
            warnings.push(
              `${vp.child('projected', 'sources', 'secrets').index(j).toString()}: has duplicated path with ServiceAccountToken ${goQuote(item.path)}`,
            );
          }
        });
        (s.downwardAPI?.items ?? []).forEach((item, j) => {
          if (tokenPaths.has(item.path)) {
            warnings.push(
              `${vp.child('projected', 'sources', 'downwardAPI').index(j).toString()}: has duplicated path with ServiceAccountToken ${goQuote(item.path)}`,
            );
          }
        });
        const ctb = (s as { clusterTrustBundle?: { path: string } }).clusterTrustBundle;
        if (ctb != null && tokenPaths.has(ctb.path)) {
          warnings.push(
            `${vp.child('projected', 'sources', 'ClusterTrustBundle').toString()}: has duplicated path with ServiceAccountToken ${goQuote(ctb.path)}`,
          );
        }
      }
    });
  }

  // duplicate hostAliases (#91670, #58477)
  const hostAliases = podSpec.hostAliases ?? [];
  if (hostAliases.length > 1) {
    const seen = new Set<string>();
    hostAliases.forEach((h, i) => {
      const ip = h.ip ?? '';
      if (seen.has(ip)) {
        warnings.push(
          `${p('spec', 'hostAliases').index(i).child('ip').toString()}: duplicate ip ${goQuote(ip)}`,
        );
      } else {
        seen.add(ip);
      }
    });
  }

  // duplicate imagePullSecrets (#91629, #58477), then empty names
  const pullSecrets = podSpec.imagePullSecrets ?? [];
  if (pullSecrets.length > 1) {
    const seen = new Set<string>();
    pullSecrets.forEach((s, i) => {
      const name = s.name ?? '';
      if (seen.has(name)) {
        warnings.push(
          `${p('spec', 'imagePullSecrets').index(i).child('name').toString()}: duplicate name ${goQuote(name)}`,
        );
      } else {
        seen.add(name);
      }
    });
  }
  pullSecrets.forEach((s, i) => {
    const name = s.name ?? '';
    if (name.length === 0) {
      warnings.push(
        `${p('spec', 'imagePullSecrets').index(i).child('name').toString()}: invalid empty name ${goQuote(name)}`,
      );
    }
  });

  // fractional memory/ephemeral-storage overhead (#79950, #49442, #18538)
  for (const r of ['memory', 'ephemeral-storage']) {
    const frac = fractionalByteValue(podSpec.overhead?.[r]);
    if (frac !== undefined) {
      warnings.push(
        `${p('spec', 'overhead').key(r).toString()}: fractional byte value ${goQuote(frac)} is invalid, must be an integer`,
      );
    }
  }

  // pod seccomp annotation without the field
  if (podSpec.securityContext?.seccompProfile == null && SECCOMP_POD_ANNOTATION in annotations) {
    warnings.push(
      `${p('metadata', 'annotations').key(SECCOMP_POD_ANNOTATION).toString()}: non-functional in v1.27+; use the "seccompProfile" field instead`,
    );
  }
  const hasPodAppArmorProfile = podSpec.securityContext?.appArmorProfile != null;
  const specPath = p('spec');

  visitContainers(podSpec, specPath, (c, cp) => {
    if (c.securityContext?.seccompProfile == null) {
      const key = SECCOMP_CONTAINER_ANNOTATION_PREFIX + c.name;
      if (key in annotations) {
        warnings.push(
          `${p('metadata', 'annotations').key(key).toString()}: non-functional in v1.27+; use the "seccompProfile" field instead`,
        );
      }
    }
    // Pods get their AppArmor warnings elsewhere upstream (version skew handling); templates here.
    const hasAppArmorField = hasPodAppArmorProfile || c.securityContext?.appArmorProfile != null;
    if (fieldPath !== undefined && !hasAppArmorField) {
      const key = APPARMOR_ANNOTATION_PREFIX + c.name;
      if (key in annotations) {
        warnings.push(
          `${p('metadata', 'annotations').key(key).toString()}: deprecated since v1.30; use the "appArmorProfile" field instead`,
        );
      }
    }

    const checks: readonly (readonly ['limits' | 'requests', string])[] = [
      ['limits', 'memory'],
      ['requests', 'memory'],
      ['limits', 'ephemeral-storage'],
      ['requests', 'ephemeral-storage'],
    ];
    for (const [kind, resource] of checks) {
      const frac = fractionalByteValue(c.resources?.[kind]?.[resource]);
      if (frac !== undefined) {
        warnings.push(
          `${cp.child('resources', kind).key(resource).toString()}: fractional byte value ${goQuote(frac)} is invalid, must be an integer`,
        );
      }
    }

    // duplicate env (#86163, #93266, #58477)
    const env = c.env ?? [];
    if (env.length > 1) {
      const seen = new Set<string>();
      env.forEach((item, i) => {
        if (!seen.has(item.name)) {
          seen.add(item.name);
          return;
        }
        const ref = `$(${item.name})`;
        const value = item.value ?? '';
        const bad = item.valueFrom != null || value === ref || !value.includes(ref);
        if (bad) {
          warnings.push(
            `${cp.child('env').index(i).toString()}: hides previous definition of ${goQuote(item.name)}, which may be dropped when using apply`,
          );
        }
      });
    }
  });

  // ports across all containers
  const allPorts = new Map<string, { field: FieldPath; port: ContainerPort }[]>();
  visitContainers(podSpec, specPath, (c, cp) => {
    (c.ports ?? []).forEach((port, i) => {
      const fp = cp.child('ports').index(i);
      const hostIP = port.hostIP ?? '';
      const hostPort = port.hostPort ?? 0;
      if (hostIP !== '' && hostPort === 0) {
        warnings.push(`${fp.toString()}: hostIP set without hostPort: ${goPortString(port)}`);
      }
      const k = `${String(port.containerPort)}/${port.protocol ?? ''}`;
      const others = allPorts.get(k);
      if (others !== undefined) {
        for (const other of others) {
          const oHostIP = other.port.hostIP ?? '';
          const oHostPort = other.port.hostPort ?? 0;
          if (hostIP === oHostIP && hostPort === oHostPort) {
            warnings.push(
              `${fp.toString()}: duplicate port definition with ${other.field.toString()}`,
            );
          } else if (hostPort === 0 || oHostPort === 0) {
            warnings.push(
              `${fp.toString()}: overlapping port definition with ${other.field.toString()}`,
            );
          } else if (hostPort === oHostPort && (hostIP === '') !== (oHostIP === '')) {
            warnings.push(
              `${fp.toString()}: dangerously ambiguous port definition with ${other.field.toString()}`,
            );
          }
        }
        others.push({ field: fp, port });
      } else {
        allPorts.set(k, [{ field: fp, port }]);
      }
    });
  });

  if (podSpec.terminationGracePeriodSeconds != null && podSpec.terminationGracePeriodSeconds < 0) {
    warnings.push(
      `${p('spec', 'terminationGracePeriodSeconds').toString()}: must be >= 0; negative values are invalid and will be treated as 1`,
    );
  }

  const podAffinity = podSpec.affinity?.podAffinity;
  if (podAffinity != null) {
    warnings.push(
      ...affinityTerms(
        podAffinity.requiredDuringSchedulingIgnoredDuringExecution,
        p('spec', 'affinity', 'podAffinity', 'requiredDuringSchedulingIgnoredDuringExecution'),
      ),
      ...weightedTerms(
        podAffinity.preferredDuringSchedulingIgnoredDuringExecution,
        p('spec', 'affinity', 'podAffinity', 'preferredDuringSchedulingIgnoredDuringExecution'),
      ),
    );
  }
  const podAntiAffinity = podSpec.affinity?.podAntiAffinity;
  if (podAntiAffinity != null) {
    warnings.push(
      ...affinityTerms(
        podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution,
        p('spec', 'affinity', 'podAntiAffinity', 'requiredDuringSchedulingIgnoredDuringExecution'),
      ),
      ...weightedTerms(
        podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution,
        p('spec', 'affinity', 'podAntiAffinity', 'preferredDuringSchedulingIgnoredDuringExecution'),
      ),
    );
  }
  return warnings;
}

function affinityTerms(terms: PodAffinityTerm[] | undefined, path: FieldPath): string[] {
  const out: string[] = [];
  (terms ?? []).forEach((t, i) => {
    if (t.labelSelector == null) {
      out.push(
        `${path.index(i).child('labelSelector').toString()}: a null labelSelector results in matching no pod`,
      );
    }
  });
  return out;
}

function weightedTerms(terms: WeightedPodAffinityTerm[] | undefined, path: FieldPath): string[] {
  const out: string[] = [];
  (terms ?? []).forEach((t, i) => {
    if (t.podAffinityTerm.labelSelector == null) {
      out.push(
        `${path.index(i).child('podAffinityTerm', 'labelSelector').toString()}: a null labelSelector results in matching no pod`,
      );
    }
  });
  return out;
}

/** Go's `%+v` of the internal api.ContainerPort struct. */
function goPortString(port: ContainerPort): string {
  return `{Name:${port.name ?? ''} HostPort:${String(port.hostPort ?? 0)} ContainerPort:${String(port.containerPort)} Protocol:${port.protocol ?? ''} HostIP:${port.hostIP ?? ''}}`;
}
