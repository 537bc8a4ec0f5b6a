import type { MessageTable } from '../schema.ts';

/** policy/v1 (package `policy`), from staging/src/k8s.io/api/policy/v1/generated.proto (v0.32). */
export const policy: MessageTable = {
  Eviction: { 1: 'metadata:ObjectMeta', 2: 'deleteOptions:DeleteOptions' },
  PodDisruptionBudget: {
    1: 'metadata:ObjectMeta',
    2: 'spec:PodDisruptionBudgetSpec',
    3: 'status:PodDisruptionBudgetStatus',
  },
  PodDisruptionBudgetSpec: {
    1: 'minAvailable:IntOrString',
    2: 'selector:LabelSelector',
    3: 'maxUnavailable:IntOrString',
    4: 'unhealthyPodEvictionPolicy:*string',
  },
  PodDisruptionBudgetStatus: {
    1: 'observedGeneration:int64',
    2: 'disruptedPods:{Time}',
    3: 'disruptionsAllowed:int32',
    4: 'currentHealthy:int32',
    5: 'desiredHealthy:int32',
    6: 'expectedPods:int32',
    7: 'conditions:[]Condition',
  },
};

/** scheduling.k8s.io/v1 (package `scheduling`). */
export const scheduling: MessageTable = {
  PriorityClass: {
    1: 'metadata:ObjectMeta',
    2: 'value:int32',
    3: 'globalDefault:bool',
    4: 'description:string',
    5: 'preemptionPolicy:*string',
  },
};

/**
 * authentication.k8s.io/v1 (package `authentication`). ExtraValue is a Go `[]string`, so its JSON
 * form is a bare array (special `StringArray`); the proto field `uID` is `uid` in JSON.
 */
export const authentication: MessageTable = {
  BoundObjectReference: {
    1: 'kind:string',
    2: 'apiVersion:string',
    3: 'name:string',
    4: 'uid:string',
  },
  SelfSubjectReview: { 1: 'metadata:ObjectMeta', 2: 'status:SelfSubjectReviewStatus' },
  SelfSubjectReviewStatus: { 1: 'userInfo:UserInfo' },
  TokenRequest: {
    1: 'metadata:ObjectMeta',
    2: 'spec:TokenRequestSpec',
    3: 'status:TokenRequestStatus',
  },
  TokenRequestSpec: {
    1: 'audiences:[]string',
    3: 'boundObjectRef:BoundObjectReference',
    4: 'expirationSeconds:*int64',
  },
  TokenRequestStatus: { 1: 'token:string', 2: 'expirationTimestamp:Time' },
  TokenReview: {
    1: 'metadata:ObjectMeta',
    2: 'spec:TokenReviewSpec',
    3: 'status:TokenReviewStatus',
  },
  TokenReviewSpec: { 1: 'token:string', 2: 'audiences:[]string' },
  TokenReviewStatus: {
    1: 'authenticated:bool',
    2: 'user:UserInfo',
    3: 'error:string',
    4: 'audiences:[]string',
  },
  UserInfo: {
    1: 'username:string',
    2: 'uid:string',
    3: 'groups:[]string',
    4: 'extra:{StringArray}',
  },
};

/** authorization.k8s.io/v1 (package `authorization`). */
export const authorization: MessageTable = {
  FieldSelectorAttributes: {
    1: 'rawSelector:string',
    2: 'requirements:[]FieldSelectorRequirement',
  },
  LabelSelectorAttributes: {
    1: 'rawSelector:string',
    2: 'requirements:[]LabelSelectorRequirement',
  },
  LocalSubjectAccessReview: {
    1: 'metadata:ObjectMeta',
    2: 'spec:SubjectAccessReviewSpec',
    3: 'status:SubjectAccessReviewStatus',
  },
  NonResourceAttributes: { 1: 'path:string', 2: 'verb:string' },
  NonResourceRule: { 1: 'verbs:[]string', 2: 'nonResourceURLs:[]string' },
  ResourceAttributes: {
    1: 'namespace:string',
    2: 'verb:string',
    3: 'group:string',
    4: 'version:string',
    5: 'resource:string',
    6: 'subresource:string',
    7: 'name:string',
    8: 'fieldSelector:FieldSelectorAttributes',
    9: 'labelSelector:LabelSelectorAttributes',
  },
  ResourceRule: {
    1: 'verbs:[]string',
    2: 'apiGroups:[]string',
    3: 'resources:[]string',
    4: 'resourceNames:[]string',
  },
  SelfSubjectAccessReview: {
    1: 'metadata:ObjectMeta',
    2: 'spec:SelfSubjectAccessReviewSpec',
    3: 'status:SubjectAccessReviewStatus',
  },
  SelfSubjectAccessReviewSpec: {
    1: 'resourceAttributes:ResourceAttributes',
    2: 'nonResourceAttributes:NonResourceAttributes',
  },
  SelfSubjectRulesReview: {
    1: 'metadata:ObjectMeta',
    2: 'spec:SelfSubjectRulesReviewSpec',
    3: 'status:SubjectRulesReviewStatus',
  },
  SelfSubjectRulesReviewSpec: { 1: 'namespace:string' },
  SubjectAccessReview: {
    1: 'metadata:ObjectMeta',
    2: 'spec:SubjectAccessReviewSpec',
    3: 'status:SubjectAccessReviewStatus',
  },
  SubjectAccessReviewSpec: {
    1: 'resourceAttributes:ResourceAttributes',
    2: 'nonResourceAttributes:NonResourceAttributes',
    3: 'user:string',
    4: 'groups:[]string',
    5: 'extra:{StringArray}',
    6: 'uid:string',
  },
  SubjectAccessReviewStatus: {
    1: 'allowed:bool',
    2: 'reason:string',
    3: 'evaluationError:string',
    4: 'denied:bool',
  },
  SubjectRulesReviewStatus: {
    1: 'resourceRules:[]ResourceRule',
    2: 'nonResourceRules:[]NonResourceRule',
    3: 'incomplete:bool',
    4: 'evaluationError:string',
  },
};

/** autoscaling/v1 (package `autoscalingv1`). */
export const autoscalingv1: MessageTable = {
  ContainerResourceMetricSource: {
    1: 'name:string',
    2: 'targetAverageUtilization:*int32',
    3: 'targetAverageValue:Quantity',
    5: 'container:string',
  },
  ContainerResourceMetricStatus: {
    1: 'name:string',
    2: 'currentAverageUtilization:*int32',
    3: 'currentAverageValue:Quantity',
    4: 'container:string',
  },
  CrossVersionObjectReference: { 1: 'kind:string', 2: 'name:string', 3: 'apiVersion:string' },
  ExternalMetricSource: {
    1: 'metricName:string',
    2: 'metricSelector:LabelSelector',
    3: 'targetValue:Quantity',
    4: 'targetAverageValue:Quantity',
  },
  ExternalMetricStatus: {
    1: 'metricName:string',
    2: 'metricSelector:LabelSelector',
    3: 'currentValue:Quantity',
    4: 'currentAverageValue:Quantity',
  },
  HorizontalPodAutoscaler: {
    1: 'metadata:ObjectMeta',
    2: 'spec:HorizontalPodAutoscalerSpec',
    3: 'status:HorizontalPodAutoscalerStatus',
  },
  HorizontalPodAutoscalerCondition: {
    1: 'type:string',
    2: 'status:string',
    3: 'lastTransitionTime:Time',
    4: 'reason:string',
    5: 'message:string',
  },
  HorizontalPodAutoscalerSpec: {
    1: 'scaleTargetRef:CrossVersionObjectReference',
    2: 'minReplicas:*int32',
    3: 'maxReplicas:int32',
    4: 'targetCPUUtilizationPercentage:*int32',
  },
  HorizontalPodAutoscalerStatus: {
    1: 'observedGeneration:*int64',
    2: 'lastScaleTime:Time',
    3: 'currentReplicas:int32',
    4: 'desiredReplicas:int32',
    5: 'currentCPUUtilizationPercentage:*int32',
  },
  MetricSpec: {
    1: 'type:string',
    2: 'object:ObjectMetricSource',
    3: 'pods:PodsMetricSource',
    4: 'resource:ResourceMetricSource',
    5: 'external:ExternalMetricSource',
    7: 'containerResource:ContainerResourceMetricSource',
  },
  MetricStatus: {
    1: 'type:string',
    2: 'object:ObjectMetricStatus',
    3: 'pods:PodsMetricStatus',
    4: 'resource:ResourceMetricStatus',
    5: 'external:ExternalMetricStatus',
    7: 'containerResource:ContainerResourceMetricStatus',
  },
  ObjectMetricSource: {
    1: 'target:CrossVersionObjectReference',
    2: 'metricName:string',
    3: 'targetValue:Quantity',
    4: 'selector:LabelSelector',
    5: 'averageValue:Quantity',
  },
  ObjectMetricStatus: {
    1: 'target:CrossVersionObjectReference',
    2: 'metricName:string',
    3: 'currentValue:Quantity',
    4: 'selector:LabelSelector',
    5: 'averageValue:Quantity',
  },
  PodsMetricSource: {
    1: 'metricName:string',
    2: 'targetAverageValue:Quantity',
    3: 'selector:LabelSelector',
  },
  PodsMetricStatus: {
    1: 'metricName:string',
    2: 'currentAverageValue:Quantity',
    3: 'selector:LabelSelector',
  },
  ResourceMetricSource: {
    1: 'name:string',
    2: 'targetAverageUtilization:*int32',
    3: 'targetAverageValue:Quantity',
  },
  ResourceMetricStatus: {
    1: 'name:string',
    2: 'currentAverageUtilization:*int32',
    3: 'currentAverageValue:Quantity',
  },
  Scale: { 1: 'metadata:ObjectMeta', 2: 'spec:ScaleSpec', 3: 'status:ScaleStatus' },
  ScaleSpec: { 1: 'replicas:int32' },
  ScaleStatus: { 1: 'replicas:int32', 2: 'selector:string' },
};

/** autoscaling/v2 (package `autoscalingv2`). */
export const autoscalingv2: MessageTable = {
  ContainerResourceMetricSource: {
    1: 'name:string',
    2: 'target:MetricTarget',
    3: 'container:string',
  },
  ContainerResourceMetricStatus: {
    1: 'name:string',
    2: 'current:MetricValueStatus',
    3: 'container:string',
  },
  CrossVersionObjectReference: { 1: 'kind:string', 2: 'name:string', 3: 'apiVersion:string' },
  ExternalMetricSource: { 1: 'metric:MetricIdentifier', 2: 'target:MetricTarget' },
  ExternalMetricStatus: { 1: 'metric:MetricIdentifier', 2: 'current:MetricValueStatus' },
  HPAScalingPolicy: { 1: 'type:string', 2: 'value:int32', 3: 'periodSeconds:int32' },
  HPAScalingRules: {
    1: 'selectPolicy:*string',
    2: 'policies:[]HPAScalingPolicy',
    3: 'stabilizationWindowSeconds:*int32',
  },
  HorizontalPodAutoscaler: {
    1: 'metadata:ObjectMeta',
    2: 'spec:HorizontalPodAutoscalerSpec',
    3: 'status:HorizontalPodAutoscalerStatus',
  },
  HorizontalPodAutoscalerBehavior: { 1: 'scaleUp:HPAScalingRules', 2: 'scaleDown:HPAScalingRules' },
  HorizontalPodAutoscalerCondition: {
    1: 'type:string',
    2: 'status:string',
    3: 'lastTransitionTime:Time',
    4: 'reason:string',
    5: 'message:string',
  },
  HorizontalPodAutoscalerSpec: {
    1: 'scaleTargetRef:CrossVersionObjectReference',
    2: 'minReplicas:*int32',
    3: 'maxReplicas:int32',
    4: 'metrics:[]MetricSpec',
    5: 'behavior:HorizontalPodAutoscalerBehavior',
  },
  HorizontalPodAutoscalerStatus: {
    1: 'observedGeneration:*int64',
    2: 'lastScaleTime:Time',
    3: 'currentReplicas:int32',
    4: 'desiredReplicas:int32',
    5: 'currentMetrics:[]MetricStatus',
    6: 'conditions:[]HorizontalPodAutoscalerCondition',
  },
  MetricIdentifier: { 1: 'name:string', 2: 'selector:LabelSelector' },
  MetricSpec: {
    1: 'type:string',
    2: 'object:ObjectMetricSource',
    3: 'pods:PodsMetricSource',
    4: 'resource:ResourceMetricSource',
    5: 'external:ExternalMetricSource',
    7: 'containerResource:ContainerResourceMetricSource',
  },
  MetricStatus: {
    1: 'type:string',
    2: 'object:ObjectMetricStatus',
    3: 'pods:PodsMetricStatus',
    4: 'resource:ResourceMetricStatus',
    5: 'external:ExternalMetricStatus',
    7: 'containerResource:ContainerResourceMetricStatus',
  },
  MetricTarget: {
    1: 'type:string',
    2: 'value:Quantity',
    3: 'averageValue:Quantity',
    4: 'averageUtilization:*int32',
  },
  MetricValueStatus: {
    1: 'value:Quantity',
    2: 'averageValue:Quantity',
    3: 'averageUtilization:*int32',
  },
  ObjectMetricSource: {
    1: 'describedObject:CrossVersionObjectReference',
    2: 'target:MetricTarget',
    3: 'metric:MetricIdentifier',
  },
  ObjectMetricStatus: {
    1: 'metric:MetricIdentifier',
    2: 'current:MetricValueStatus',
    3: 'describedObject:CrossVersionObjectReference',
  },
  PodsMetricSource: { 1: 'metric:MetricIdentifier', 2: 'target:MetricTarget' },
  PodsMetricStatus: { 1: 'metric:MetricIdentifier', 2: 'current:MetricValueStatus' },
  ResourceMetricSource: { 1: 'name:string', 2: 'target:MetricTarget' },
  ResourceMetricStatus: { 1: 'name:string', 2: 'current:MetricValueStatus' },
};

/** coordination.k8s.io/v1 (package `coordination`). */
export const coordination: MessageTable = {
  Lease: { 1: 'metadata:ObjectMeta', 2: 'spec:LeaseSpec' },
  LeaseSpec: {
    1: 'holderIdentity:*string',
    2: 'leaseDurationSeconds:*int32',
    3: 'acquireTime:MicroTime',
    4: 'renewTime:MicroTime',
    5: 'leaseTransitions:*int32',
    6: 'strategy:*string',
    7: 'preferredHolder:*string',
  },
};

/** discovery.k8s.io/v1 (package `discovery`). */
export const discovery: MessageTable = {
  Endpoint: {
    1: 'addresses:[]string',
    2: 'conditions:EndpointConditions',
    3: 'hostname:*string',
    4: 'targetRef:core.ObjectReference',
    5: 'deprecatedTopology:{string}',
    6: 'nodeName:*string',
    7: 'zone:*string',
    8: 'hints:EndpointHints',
  },
  EndpointConditions: { 1: 'ready:*bool', 2: 'serving:*bool', 3: 'terminating:*bool' },
  EndpointHints: { 1: 'forZones:[]ForZone' },
  EndpointPort: {
    1: 'name:*string',
    2: 'protocol:*string',
    3: 'port:*int32',
    4: 'appProtocol:*string',
  },
  EndpointSlice: {
    1: 'metadata:ObjectMeta',
    2: 'endpoints:[]Endpoint',
    3: 'ports:[]EndpointPort',
    4: 'addressType:string',
  },
  ForZone: { 1: 'name:string' },
};

/** events.k8s.io/v1 (package `events`). */
export const events: MessageTable = {
  Event: {
    1: 'metadata:ObjectMeta',
    2: 'eventTime:MicroTime',
    3: 'series:EventSeries',
    4: 'reportingController:string',
    5: 'reportingInstance:string',
    6: 'action:string',
    7: 'reason:string',
    8: 'regarding:core.ObjectReference',
    9: 'related:core.ObjectReference',
    10: 'note:string',
    11: 'type:string',
    12: 'deprecatedSource:core.EventSource',
    13: 'deprecatedFirstTimestamp:Time',
    14: 'deprecatedLastTimestamp:Time',
    15: 'deprecatedCount:int32',
  },
  EventSeries: { 1: 'count:int32', 2: 'lastObservedTime:MicroTime' },
};

/** storage.k8s.io/v1 (package `storage`): StorageClass only. */
export const storage: MessageTable = {
  StorageClass: {
    1: 'metadata:ObjectMeta',
    2: 'provisioner:string',
    3: 'parameters:{string}',
    4: 'reclaimPolicy:*string',
    5: 'mountOptions:[]string',
    6: 'allowVolumeExpansion:*bool',
    7: 'volumeBindingMode:*string',
    8: 'allowedTopologies:[]core.TopologySelectorTerm',
  },
};
