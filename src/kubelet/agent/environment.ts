/**
 * The contracts between the kubelet's pod workers ({@link Kubelet}) and the host: the pod-level
 * setup (volumes, cgroup, sandbox namespaces, CNI network, /etc files) and each container's
 * bundle (rootfs, OCI config) behind {@link PodEnvironment}, and images behind
 * {@link ImageService}. Containers themselves go through the runtime's `ContainerRuntime`.
 *
 * Why an interface rather than direct calls into sandbox/, volumes/, cgroups/ and images/: the
 * pod workers' decisions (what to start, kill, back off, write) are the same whatever the host
 * does, so unit tests drive them with the SimulatedRuntime and an in-memory environment, and the
 * real adapter (host-environment.ts) stays a thin sequence of library calls.
 */
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { CreateContainerRequest } from '../runtime/index.ts';

/**
 * A container whose configuration cannot be resolved (a missing ConfigMap key in its env, an
 * invalid securityContext): reported as `CreateContainerConfigError`, not `CreateContainerError`.
 */
export class ContainerConfigError extends Error {
  override readonly name = 'ContainerConfigError';
}

/** A pod's identity as the host keys its state (directories, netns names, cgroups). */
export interface PodRef {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

/** The pod sandbox an environment set up: namespaces, network, files. Plain data. */
export interface PodSandbox {
  /** Unique per sandbox on the node (e.g. `sandboxNameForPod(uid)` plus the attempt). */
  readonly id: string;
  /** How many sandboxes were created for the pod before this one. */
  readonly attempt: number;
  /** Whether the namespaces exist and the network is up (SANDBOX_READY). */
  readonly ready: boolean;
  /** The pod's IPs, primary first; empty for hostNetwork pods. */
  readonly ips: readonly string[];
  readonly hostNetwork: boolean;
  /** The network namespace file (`/run/netns/<name>`); absent for hostNetwork pods. */
  readonly netnsPath?: string;
  /** Epoch ms. */
  readonly createdAt: number;
}

/** What {@link PodEnvironment.prepareContainer} needs to build one container's bundle. */
export interface ContainerBundleInput {
  readonly pod: Pod;
  readonly container: Container;
  readonly sandbox: PodSandbox;
  /** The runtime container id to create (also the bundle's directory name). */
  readonly id: string;
  /** The image as resolved by the {@link ImageService} (a digest reference). */
  readonly imageRef: string;
  readonly restartCount: number;
  /** The CRI log file the runtime writes the container's output to. */
  readonly logPath: string;
  /** Labels the runtime keeps with the container (pod uid, container name, hash...). */
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * The pod-level host work. Every method is idempotent and may be called again after a kubelet
 * restart with state left by a previous run. Errors are plain `Error`s whose message the kubelet
 * reports in events and container waiting messages.
 */
export interface PodEnvironment {
  /**
   * Sets up the pod-level host state its containers need before any of them starts: the pod
   * cgroup, the sandbox namespaces, the CNI network and the sandbox's hosts/resolv.conf/hostname
   * files. `attempt` numbers the sandbox (a new sandbox after the old one died gets the next
   * number). Volumes are not part of it: see {@link PodEnvironment.syncVolumes}.
   */
  setUpPod(pod: Pod, attempt: number, signal: AbortSignal): Promise<PodSandbox>;
  /**
   * Sets the pod's volumes up, or refreshes them (configMap/secret updates, token rotation). The
   * kubelet calls it before {@link PodEnvironment.setUpPod} and on every sync of a running pod;
   * cheap when nothing changed. Rejects with the `FailedMount` event's message
   * (`MountVolume.SetUp failed for volume "v" : configmap "c" not found`).
   */
  syncVolumes?(pod: Pod, signal: AbortSignal): Promise<void>;
  /** The sandbox the host has for a pod (survives kubelet restarts), or undefined. */
  sandbox(pod: PodRef): Promise<PodSandbox | undefined>;
  /**
   * Builds one container's bundle (rootfs mounted, subPaths prepared, OCI config computed) and
   * returns the request to hand to `ContainerRuntime.createContainer`.
   */
  prepareContainer(input: ContainerBundleInput): Promise<CreateContainerRequest>;
  /** Releases a removed container's host state (rootfs mount, bundle directory). */
  cleanupContainer(id: string, pod: PodRef): Promise<void>;
  /**
   * Stops the pod's sandbox network (CNI DEL) and removes its namespaces, keeping volumes: a
   * terminal pod's logs and files stay readable until it is deleted.
   */
  stopSandbox(pod: PodRef): Promise<void>;
  /** Removes everything left of the pod: network, cgroup (killing stragglers), volumes, pod dir. */
  tearDownPod(pod: PodRef): Promise<void>;
  /** Pods the host still has state for (to clean up those deleted while the kubelet was down). */
  listPods?(): Promise<PodRef[]>;
  /**
   * Node-level setup done once at kubelet start, before the first pod (upstream's
   * ContainerManager.Start: the kubepods and QoS cgroups). Idempotent; pods still work when it
   * was skipped or failed (each pod's setup completes it).
   */
  prepareNode?(): Promise<void>;
}

/** An image made available locally. */
export interface LocalImage {
  /** The resolved reference reported as the container's imageID (`name@sha256:…`). */
  readonly imageRef: string;
  /** Bytes (Pulled event's "Image size"). */
  readonly size: number;
}

/** The image side of the kubelet (the image store and the registry puller). */
export interface ImageService {
  /** The image when present locally, else undefined. */
  present(image: string): Promise<LocalImage | undefined>;
  /** Pulls the image with the pod's pull secrets; rejects with the error text to report. */
  pull(image: string, pod: Pod, signal: AbortSignal): Promise<LocalImage>;
  /** Local images for Node.status.images (names, size), largest first at most 50 as upstream. */
  list?(): Promise<readonly { readonly names: readonly string[]; readonly sizeBytes: number }[]>;
}
