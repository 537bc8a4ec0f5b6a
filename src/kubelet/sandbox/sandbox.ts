/**
 * A pod sandbox's network lifecycle in two calls, in containerd's RunPodSandbox /
 * StopPodSandbox order: namespaces first, then CNI ADD (undone on failure); CNI DEL (tolerating
 * a namespace that is already gone), then the namespaces.
 */
import type { NetworkConfigList, RuntimeConf } from './cni-config.ts';
import { k8sCniArgs } from './cni-config.ts';
import type { CniClient } from './cni.ts';
import type { CniResult } from './cni-result.ts';
import { podIPs } from './cni-result.ts';
import { DEFAULT_POD_INTERFACE } from './default-config.ts';
import { traced } from '../spawner/index.ts';
import type { SandboxNamespaces } from './netns.ts';
import {
  createSandboxNamespaces,
  deleteSandboxNamespaces,
  sandboxNamespacePaths,
} from './netns.ts';

/** Identifies a sandbox and what its network setup needs. */
export interface PodSandboxNetworkRequest {
  /** The namespace name (see sandboxNameForPod); unique per sandbox on the node. */
  name: string;
  /** The sandbox's ID (CNI_CONTAINERID and the cache key); unique per sandbox. */
  sandboxId: string;
  pod: { namespace: string; name: string; uid: string };
  /** Set in the sandbox's UTS namespace (nodenameForKernel). */
  hostname?: string;
  /** Interface inside the pod; default eth0. */
  ifName?: string;
  /** Capability arguments, e.g. `{portMappings: podPortMappings(pod)}`. */
  capabilityArgs?: Record<string, unknown>;
  /** Directory for the IPC/UTS namespace files (netns.ts's default otherwise). */
  runDir?: string;
}

/** A sandbox whose network is up. */
export interface PodSandboxNetwork {
  namespaces: SandboxNamespaces;
  result: CniResult;
  /** The pod's IPs on its interface, IPv4 first (status.podIPs). */
  podIPs: string[];
}

/** The CNI attachment of a sandbox (pure). */
export function podSandboxRuntimeConf(
  req: PodSandboxNetworkRequest,
  netnsPath: string,
): RuntimeConf {
  return {
    containerId: req.sandboxId,
    netns: netnsPath,
    ifName: req.ifName ?? DEFAULT_POD_INTERFACE,
    args: k8sCniArgs({
      namespace: req.pod.namespace,
      name: req.pod.name,
      uid: req.pod.uid,
      sandboxId: req.sandboxId,
    }),
    ...(req.capabilityArgs !== undefined ? { capabilityArgs: req.capabilityArgs } : {}),
  };
}

/**
 * Creates the sandbox's namespaces and attaches it to `list`'s network. On failure the
 * attachment is deleted and the namespaces removed before the error is rethrown.
 */
export async function setUpPodSandboxNetwork(
  cni: CniClient,
  list: NetworkConfigList,
  req: PodSandboxNetworkRequest,
  signal?: AbortSignal,
): Promise<PodSandboxNetwork> {
  const nsOptions = { ...(req.runDir !== undefined ? { runDir: req.runDir } : {}) };
  const key = `${req.pod.namespace}/${req.pod.name}`;
  const namespaces = await traced(key, 'namespaces', () =>
    createSandboxNamespaces(req.name, {
      ...nsOptions,
      ...(req.hostname !== undefined ? { hostname: req.hostname } : {}),
    }),
  );
  const rt = podSandboxRuntimeConf(req, namespaces.netnsPath);
  try {
    const result = await traced(key, 'cni add', () => cni.add(list, rt, signal));
    return { namespaces, result, podIPs: podIPs(result, rt.ifName) };
  } catch (err) {
    await cni.del(list, rt).catch(() => undefined);
    await deleteSandboxNamespaces(req.name, nsOptions).catch(() => undefined);
    throw err;
  }
}

/**
 * Detaches the sandbox from `list`'s network (CNI DEL, idempotent) and deletes its namespaces.
 * Safe to repeat and after a partial setup. A DEL failure is thrown before the namespaces are
 * touched, so a retry still finds the netns (the plugins may need it to clean up).
 */
export async function tearDownPodSandboxNetwork(
  cni: CniClient,
  list: NetworkConfigList,
  req: PodSandboxNetworkRequest,
  signal?: AbortSignal,
): Promise<void> {
  const nsOptions = { ...(req.runDir !== undefined ? { runDir: req.runDir } : {}) };
  const paths = sandboxNamespacePaths(req.name, nsOptions);
  await cni.del(list, podSandboxRuntimeConf(req, paths.netnsPath), signal);
  await deleteSandboxNamespaces(req.name, nsOptions);
}
