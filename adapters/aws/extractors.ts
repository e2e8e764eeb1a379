import { dnsExtractors } from './extract-dns.js';
import { gatewayExtractors } from './extract-gateways.js';
import { routeTableExtractors } from './extract-route-tables.js';
import type { Extractor } from './extraction.js';

/** The one table from a catalog operation (`ec2:CreateRoute`) to the extractor that reads its changes. */
export const awsExtractors: Readonly<Record<string, Extractor>> = {
  ...routeTableExtractors,
  ...gatewayExtractors,
  ...dnsExtractors,
};
