/**
 * Creating and deleting a controller's pods, with the events upstream records
 * (pkg/controller/controller_utils.go RealPodControl and GetPodFromTemplate).
 */
import type { Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { isNotFound, statusCause } from '../../api/index.ts';
import type { Clientset, EventRecorder, KubeObject } from '../../client/index.ts';
import { errorMessage } from './controller-ref.ts';

/** Event reasons of pod control (upstream FailedCreatePodReason and friends). */
export const FAILED_CREATE_POD_REASON = 'FailedCreate';
export const SUCCESSFUL_CREATE_POD_REASON = 'SuccessfulCreate';
export const FAILED_DELETE_POD_REASON = 'FailedDelete';
export const SUCCESSFUL_DELETE_POD_REASON = 'SuccessfulDelete';

/** The Status cause of a create refused because the namespace is terminating. */
export const NAMESPACE_TERMINATING_CAUSE = 'NamespaceTerminating';

/** True when `err` says the namespace is being terminated. */
export function isNamespaceTerminating(err: unknown): boolean {
  return statusCause(err, NAMESPACE_TERMINATING_CAUSE) !== undefined;
}

/** Creates, deletes and patches pods on behalf of a controller (upstream PodControlInterface). */
export interface PodControl {
  /**
   * Creates one pod from `template` in `namespace`, controlled by `controllerRef`, and records
   * SuccessfulCreate (or FailedCreate, unless the namespace is terminating) on `owner`.
   * Resolves the created pod; rejects with the API error.
   */
  createPods(
    namespace: string,
    template: PodTemplateSpec,
    owner: KubeObject,
    controllerRef: OwnerReference,
  ): Promise<Pod>;
  /**
   * Deletes the pod and records SuccessfulDelete (FailedDelete on error other than NotFound)
   * on `owner`. A NotFound rejects with the API error itself (callers ignore it); other errors
   * are wrapped as `unable to delete pods: <err>`.
   */
  deletePod(namespace: string, name: string, owner: KubeObject): Promise<void>;
  /** Applies a strategic merge patch to the pod. */
  patchPod(namespace: string, name: string, patch: unknown): Promise<void>;
}

/**
 * The prefix of generated pod names: `<owner>-`, or the bare owner name if the dash would
 * make the prefix invalid (upstream getPodsPrefix: longer than a DNS subdomain).
 */
export function podsPrefix(controllerName: string): string {
  const prefix = `${controllerName}-`;
  return prefix.length > 253 ? controllerName : prefix;
}

/**
 * The pod a controller creates from `template` (upstream GetPodFromTemplate): the template's
 * labels, annotations and finalizers (copied), generateName from the owner, the controller
 * reference, and a copy of the template's spec. The caller owns the result.
 */
export function getPodFromTemplate(
  template: PodTemplateSpec,
  owner: KubeObject,
  controllerRef: OwnerReference | undefined,
): Pod {
  const tm = template.metadata ?? {};
  const pod: Pod = {
    metadata: {
      // Empty maps are left out, as Go's omitempty does.
      ...(Object.keys(tm.labels ?? {}).length > 0 ? { labels: { ...tm.labels } } : {}),
      ...(Object.keys(tm.annotations ?? {}).length > 0
        ? { annotations: { ...tm.annotations } }
        : {}),
      generateName: podsPrefix(owner.metadata?.name ?? ''),
      ...(tm.finalizers !== undefined && tm.finalizers.length > 0
        ? { finalizers: [...tm.finalizers] }
        : {}),
      ...(controllerRef !== undefined ? { ownerReferences: [{ ...controllerRef }] } : {}),
    },
    spec: structuredClone(template.spec ?? { containers: [] }),
  };
  return pod;
}

/** PodControl over a Clientset; see PodControl. */
export class RealPodControl implements PodControl {
  constructor(
    private readonly clientset: Clientset,
    private readonly recorder: EventRecorder,
  ) {}

  async createPods(
    namespace: string,
    template: PodTemplateSpec,
    owner: KubeObject,
    controllerRef: OwnerReference,
  ): Promise<Pod> {
    const pod = getPodFromTemplate(template, owner, controllerRef);
    if (Object.keys(pod.metadata?.labels ?? {}).length === 0) {
      throw new Error('unable to create pods, no labels');
    }
    let created: Pod;
    try {
      created = await this.clientset.pods.create(namespace, pod);
    } catch (err) {
      if (!isNamespaceTerminating(err)) {
        this.recorder.event(
          owner,
          'Warning',
          FAILED_CREATE_POD_REASON,
          `Error creating: ${errorMessage(err)}`,
        );
      }
      throw err;
    }
    this.recorder.event(
      owner,
      'Normal',
      SUCCESSFUL_CREATE_POD_REASON,
      `Created pod: ${created.metadata?.name ?? ''}`,
    );
    return created;
  }

  async deletePod(namespace: string, name: string, owner: KubeObject): Promise<void> {
    try {
      await this.clientset.pods.delete(namespace, name);
    } catch (err) {
      if (isNotFound(err)) throw err;
      this.recorder.event(
        owner,
        'Warning',
        FAILED_DELETE_POD_REASON,
        `Error deleting: ${errorMessage(err)}`,
      );
      throw new Error(`unable to delete pods: ${errorMessage(err)}`, { cause: err });
    }
    this.recorder.event(owner, 'Normal', SUCCESSFUL_DELETE_POD_REASON, `Deleted pod: ${name}`);
  }

  async patchPod(namespace: string, name: string, patch: unknown): Promise<void> {
    await this.clientset.pods.patch(namespace, name, 'strategic', patch);
  }
}
