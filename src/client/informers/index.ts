/** Shared informers, their indexed cache, and the factory. */
export { NAMESPACE_INDEX, Store } from './store.ts';
export { SharedInformer, stripManagedFields } from './shared-informer.ts';
export type { SharedInformerOptions } from './shared-informer.ts';
export { InformerFactory } from './factory.ts';
export type { InformerFactoryOptions } from './factory.ts';
