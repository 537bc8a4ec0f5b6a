export {
  NAME,
  DEFAULT_RESOURCES,
  NodeResourcesFit,
  brokenLinearFunction,
  fitsRequest,
  leastRequestedScore,
  mostRequestedScore,
  requestedToCapacityRatioScorer,
  newNodeResourcesFit,
} from './node-resources-fit.ts';
export type {
  InsufficientResource,
  NodeResourcesFitArgs,
  ScoringStrategyType,
  UtilizationShapePoint,
} from './node-resources-fit.ts';
