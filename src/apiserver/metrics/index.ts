/**
 * metrics.k8s.io inside the API server: the Prometheus text parser, the resource usage store
 * (metrics-server's rules), the kubelet scraper and the API handler.
 */
export { PromParseError, parsePrometheusText } from './prometheus.ts';
export type { PromSample } from './prometheus.ts';
export { MetricsStore, decodeResourceMetrics, formatGoDuration, resourceUsage } from './store.ts';
export type { MetricsPoint, NodeScrape, PodUsage, Usage } from './store.ts';
export { DEFAULT_SCRAPE_INTERVAL_MS, MetricsScraper } from './scraper.ts';
export type { MetricsScraperOptions } from './scraper.ts';
export {
  METRICS_GROUP,
  METRICS_VERSION,
  MetricsApi,
  metricsResourceInfos,
  usageList,
} from './api.ts';
export type { MetricsApiOptions } from './api.ts';
