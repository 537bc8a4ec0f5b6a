export { NAME, ERR_REASON, NodePorts, fitsPorts, newNodePorts } from './node-ports.ts';
