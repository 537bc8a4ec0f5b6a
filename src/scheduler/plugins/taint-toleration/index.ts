export {
  NAME,
  ERR_REASON_NOT_MATCH,
  TaintToleration,
  newTaintToleration,
} from './taint-toleration.ts';
