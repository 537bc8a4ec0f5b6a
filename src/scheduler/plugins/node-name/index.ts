export { NAME, ERR_REASON, NodeName, fits, newNodeName } from './node-name.ts';
