export {
  NAME,
  MIN_THRESHOLD,
  MAX_CONTAINER_THRESHOLD,
  ImageLocality,
  calculatePriority,
  normalizedImageName,
  newImageLocality,
} from './image-locality.ts';
