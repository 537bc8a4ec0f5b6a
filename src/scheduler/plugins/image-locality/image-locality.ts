/**
 * ImageLocality plugin (upstream plugins/imagelocality): prefers nodes that already have the
 * pod's images, weighting each image's size by how widely it is spread (to avoid piling pods on
 * the few nodes that have a rare image).
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { Code, MAX_NODE_SCORE, Status } from '../../framework/index.ts';
import type {
  CycleState,
  Handle,
  NodeInfo,
  PluginFactory,
  PreScorePlugin,
  ScorePlugin,
  StateData,
} from '../../framework/index.ts';

/** Registry name. */
export const NAME = 'ImageLocality';

const MB = 1024 * 1024;
/** Below this sum of scaled image sizes the score is 0. */
export const MIN_THRESHOLD = 23 * MB;
/** Per-container size at which the score saturates. */
export const MAX_CONTAINER_THRESHOLD = 1000 * MB;

/** Appends `:latest` to an image without a tag (upstream normalizedImageName). */
export function normalizedImageName(name: string): string {
  return name.lastIndexOf(':') <= name.lastIndexOf('/') ? `${name}:latest` : name;
}

/** Upstream calculatePriority: the clamped sum scaled to [0, 100]. */
export function calculatePriority(sumScores: number, numContainers: number): number {
  const maxThreshold = MAX_CONTAINER_THRESHOLD * numContainers;
  let s = sumScores;
  if (s < MIN_THRESHOLD) s = MIN_THRESHOLD;
  else if (s > maxThreshold) s = maxThreshold;
  return Math.trunc((MAX_NODE_SCORE * (s - MIN_THRESHOLD)) / (maxThreshold - MIN_THRESHOLD));
}

/** The pod's images, normalised, init containers first (upstream iterates them in that order). */
function podImages(pod: Pod): string[] {
  const out: string[] = [];
  const spec = pod.spec;
  if (spec === undefined) return out;
  for (const c of spec.initContainers ?? [])
    if (c.image !== undefined) out.push(normalizedImageName(c.image));
  for (const c of spec.containers)
    if (c.image !== undefined) out.push(normalizedImageName(c.image));
  return out;
}

/** Upstream sumImageScores: each present image's size scaled by its spread over the nodes. */
function sumImageScores(
  nodeInfo: NodeInfo,
  images: readonly string[],
  totalNumNodes: number,
): number {
  if (nodeInfo.imageStates.size === 0) return 0;
  let sum = 0;
  for (const image of images) {
    const st = nodeInfo.imageStates.get(image);
    if (st !== undefined) sum += Math.trunc(st.size * (st.numNodes / totalNumNodes));
  }
  return sum;
}

const PRE_SCORE_KEY = `PreScore${NAME}`;

class PreScoreState implements StateData {
  constructor(
    readonly images: readonly string[],
    readonly numContainers: number,
    readonly totalNumNodes: number,
  ) {}
  clone(): StateData {
    return this;
  }
}

/** The ImageLocality Score plugin. */
export class ImageLocality implements PreScorePlugin, ScorePlugin {
  readonly name = NAME;
  constructor(private readonly handle: Handle) {}

  // Not an upstream extension point of this plugin: it only precomputes what Score would
  // recompute for every node (normalised image names, node count).
  preScore(state: CycleState, pod: Pod, _nodes: readonly NodeInfo[]): Status {
    state.write(PRE_SCORE_KEY, this.#compute(pod));
    return Status.SUCCESS;
  }

  #compute(pod: Pod): PreScoreState {
    const n = (pod.spec?.initContainers?.length ?? 0) + (pod.spec?.containers.length ?? 0);
    return new PreScoreState(podImages(pod), n, this.handle.snapshot().numNodes());
  }

  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number | Status {
    if (nodeInfo.node === undefined) return Status.new(Code.Error, 'node not found');
    const cached = state.read(PRE_SCORE_KEY);
    const s = cached instanceof PreScoreState ? cached : this.#compute(pod);
    return calculatePriority(sumImageScores(nodeInfo, s.images, s.totalNumNodes), s.numContainers);
  }
}

/** Factory for the registry. */
export const newImageLocality: PluginFactory = (_args, handle) => new ImageLocality(handle);
