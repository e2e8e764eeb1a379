import { dnsExtractors } from './extract-dns.js';
import { endpointExtractors } from './extract-endpoints.js';
import { routingExtractors } from './extract-routing.js';
import type { MethodExtractor } from './extraction.js';

/** The one table from a catalog method (`compute.routes.insert`) to the extractor that reads its changes. */
export const gcpExtractors: Readonly<Record<string, MethodExtractor>> = {
  ...routingExtractors,
  ...endpointExtractors,
  ...dnsExtractors,
};
