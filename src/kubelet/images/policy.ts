/**
 * Pull policy, pull back-off and the kubelet's image messages, as upstream
 * (pkg/apis/core/v1/defaults.go, pkg/kubelet/images/image_manager.go, helpers.go and
 * client-go's flowcontrol.Backoff, which lives in lifecycle/backoff.ts). Pure; time comes in as
 * milliseconds.
 */
import {
  BACKOFF_INITIAL_MS,
  BACKOFF_MAX_MS,
  Backoff,
  formatGoDuration,
} from '../lifecycle/index.ts';
import { parseImageName, ReferenceError } from './reference.ts';

// One Go duration formatter for the kubelet (lifecycle's), re-exported for this module's callers.
export { formatGoDuration };

/** `imagePullPolicy` values. */
export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

/** Waiting reasons (image_manager.go / types.go). */
export const ImagePullReason = Object.freeze({
  errImagePull: 'ErrImagePull',
  imagePullBackOff: 'ImagePullBackOff',
  errImageNeverPull: 'ErrImageNeverPull',
  invalidImageName: 'InvalidImageName',
});

/** Event reasons (pkg/kubelet/events). */
export const ImageEventReason = Object.freeze({
  pulling: 'Pulling',
  pulled: 'Pulled',
  failed: 'Failed',
  backOff: 'BackOff',
  errImageNeverPull: 'ErrImageNeverPull',
  inspectFailed: 'InspectFailed',
});

/**
 * The defaulted pull policy (SetDefaults_Container): `Always` when the tag is `latest` (an
 * image without tag and digest counts as `latest`), else `IfNotPresent`. An unparsable image
 * defaults to IfNotPresent, as upstream ignores the parse error there.
 */
export function defaultPullPolicy(image: string): PullPolicy {
  try {
    return parseImageName(image).tag === 'latest' ? 'Always' : 'IfNotPresent';
  } catch {
    return 'IfNotPresent';
  }
}

/** upstream shouldPullImage. */
export function shouldPullImage(policy: PullPolicy, present: boolean): boolean {
  if (policy === 'Never') return false;
  if (policy === 'Always') return true;
  return !present;
}

/** The kubelet's image messages, verbatim. */
export const imageMessages = Object.freeze({
  alreadyPresent: (image: string) => `Container image "${image}" already present on machine`,
  neverPull: (image: string) =>
    `Container image "${image}" is not present with pull policy of Never`,
  backOff: (image: string) => `Back-off pulling image "${image}"`,
  pulling: (image: string) => `Pulling image "${image}"`,
  failed: (image: string, err: string) => `Failed to pull image "${image}": ${err}`,
  invalidName: (image: string, err: string) =>
    `Failed to apply default image tag "${image}": ${err}`,
  pulled: (image: string, pullMs: number, totalMs: number, size: number) =>
    `Successfully pulled image "${image}" in ${formatGoDuration(pullMs)} (${formatGoDuration(totalMs)} including waiting). Image size: ${size} bytes.`,
});

/** What the image manager must do for a container (EnsureImageExists before pulling). */
export type ImageDecision =
  | { action: 'use'; event: { type: 'Normal'; reason: string; message: string } }
  | { action: 'pull'; event: { type: 'Normal'; reason: string; message: string } }
  | {
      action: 'fail';
      /** The container's waiting reason and message. */
      reason: string;
      message: string;
      event: { type: 'Normal' | 'Warning'; reason: string; message: string };
    };

/**
 * The decision of EnsureImageExists for one container: invalid name, use the present image,
 * refuse under Never, wait out a back-off, or pull.
 */
export function planImagePull(input: {
  image: string;
  pullPolicy: PullPolicy;
  present: boolean;
  inBackOff: boolean;
}): ImageDecision {
  const { image } = input;
  try {
    parseImageName(image);
  } catch (err) {
    const msg = imageMessages.invalidName(
      image,
      err instanceof ReferenceError ? err.message : String(err),
    );
    return {
      action: 'fail',
      reason: ImagePullReason.invalidImageName,
      message: msg,
      event: { type: 'Warning', reason: ImageEventReason.inspectFailed, message: msg },
    };
  }
  if (!shouldPullImage(input.pullPolicy, input.present)) {
    if (input.present) {
      return {
        action: 'use',
        event: {
          type: 'Normal',
          reason: ImageEventReason.pulled,
          message: imageMessages.alreadyPresent(image),
        },
      };
    }
    const msg = imageMessages.neverPull(image);
    return {
      action: 'fail',
      reason: ImagePullReason.errImageNeverPull,
      message: msg,
      event: { type: 'Warning', reason: ImageEventReason.errImageNeverPull, message: msg },
    };
  }
  if (input.inBackOff) {
    const msg = imageMessages.backOff(image);
    return {
      action: 'fail',
      reason: ImagePullReason.imagePullBackOff,
      message: msg,
      event: { type: 'Normal', reason: ImageEventReason.backOff, message: msg },
    };
  }
  return {
    action: 'pull',
    event: {
      type: 'Normal',
      reason: ImageEventReason.pulling,
      message: imageMessages.pulling(image),
    },
  };
}

/**
 * The outcome of a failed pull (evalCRIPullErr's fallback): the waiting reason ErrImagePull
 * with the error text as message, and the Failed event.
 */
export function pullFailure(
  image: string,
  errorText: string,
): {
  reason: string;
  message: string;
  event: { type: 'Warning'; reason: string; message: string };
} {
  return {
    reason: ImagePullReason.errImagePull,
    message: errorText,
    event: {
      type: 'Warning',
      reason: ImageEventReason.failed,
      message: imageMessages.failed(image, errorText),
    },
  };
}

/** The kubelet's image pull back-off: 10 s initial, doubling to 300 s (MaxContainerBackOff). */
export const IMAGE_BACKOFF_INITIAL_MS = BACKOFF_INITIAL_MS;
export const IMAGE_BACKOFF_MAX_MS = BACKOFF_MAX_MS;

/**
 * The image manager's back-off: lifecycle's flowcontrol {@link Backoff} (the one implementation)
 * keyed `<podUID>_<image>`. Use `next(key, now)` after a failed pull, `isInBackOffSinceUpdate(key,
 * now)` before one, `reset(key)` after a success and `gc(now)` now and then.
 */
export class PullBackOff extends Backoff {
  /** The key upstream uses. */
  static key(podUid: string, image: string): string {
    return `${podUid}_${image}`;
  }
}
