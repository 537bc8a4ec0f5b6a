/**
 * ControllerRevision history helpers shared by the StatefulSet and DaemonSet controllers
 * (upstream pkg/controller/history).
 */
export {
  CONTROLLER_REVISION_HASH_LABEL,
  History,
  canonicalJSON,
  controllerRevisionName,
  equalRevision,
  findEqualRevisions,
  hashControllerRevision,
  newControllerRevision,
  nextRevision,
  revisionData,
  safeEncodeString,
  sortControllerRevisions,
  templateFromRevision,
  templatePatch,
} from './history.ts';
