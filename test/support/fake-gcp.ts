import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * A local server answering the Compute Engine v1 and Cloud DNS v1 REST APIs in their published wire
 * format, for the real `@google-cloud/compute` and `@google-cloud/dns` clients (neither has an
 * emulator). Written after the API references:
 * - Compute: https://cloud.google.com/compute/docs/reference/rest/v1 — `get` returns the resource,
 *   `list` `{ items, nextPageToken }`, `aggregatedList` `{ items: { "regions/R": { <collection>: [...] } } }`.
 * - DNS: https://cloud.google.com/dns/docs/reference/rest/v1 — lists are keyed by collection
 *   (`managedZones`, `rrsets`, `policies`) with `nextPageToken`.
 * - Errors: `{ "error": { "code", "message", "errors": [{ "reason" }], "status" } }`.
 * Resources are kept by their path (`projects/P/global/networks/N`); tests change live state with
 * `put`/`remove` and make calls fail with `fail`.
 */
export interface GcpFault {
  /** Matched against the request path. */
  path: RegExp;
  status: number;
  /** How many requests fail before the path answers again. */
  times: number;
  headers?: Record<string, string>;
}

const STATUS_NAMES: Record<number, [string, string]> = {
  403: ['PERMISSION_DENIED', 'forbidden'],
  404: ['NOT_FOUND', 'notFound'],
  429: ['RESOURCE_EXHAUSTED', 'rateLimitExceeded'],
  500: ['INTERNAL', 'backendError'],
  503: ['UNAVAILABLE', 'backendError'],
};

const COMPUTE = '/compute/v1/';
const DNS = '/dns/v1/';
/** Cloud Asset Inventory: https://cloud.google.com/asset-inventory/docs/reference/rest/v1/TopLevel/searchAllResources */
const ASSET_SEARCH = /^\/v1\/((?:organizations|folders|projects)\/[^/]+):searchAllResources$/;
const API_HOST = 'https://www.googleapis.com/compute/v1/';

export class FakeGcp {
  readonly compute = new Map<string, Record<string, unknown>>();
  readonly dns = new Map<string, Record<string, unknown>>();
  readonly requests: string[] = [];
  /** Which folder or organisation holds each project, for Cloud Asset Inventory searches of that scope. */
  readonly ancestors = new Map<string, string[]>();
  readonly faults: GcpFault[] = [];
  /** Items per page of every list, small so that tests exercise paging. */
  pageSize = 2;
  url = '';
  private server: Server | undefined;

  /** Adds or replaces a Compute resource; `selfLink` and `name` are filled in as the API does. */
  put(path: string, body: Record<string, unknown>): void {
    const name = path.split('/').pop() ?? '';
    this.compute.set(path, { kind: 'compute#resource', name, selfLink: `${API_HOST}${path}`, ...body });
  }

  /** Adds or replaces a Cloud DNS zone (`projects/P/managedZones/Z`), record set (`…/rrsets/NAME/TYPE`) or policy. */
  putDns(path: string, body: Record<string, unknown>): void {
    this.dns.set(path, body);
  }

  remove(path: string): void {
    this.compute.delete(path);
    this.dns.delete(path);
  }

  fail(fault: GcpFault): void {
    this.faults.push(fault);
  }

  async start(): Promise<string> {
    this.server = createServer((request, response) => this.answer(request, response));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    return this.url;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private answer(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://fake');
    const path = decodeURIComponent(url.pathname);
    this.requests.push(`${request.method} ${path}`);
    const fault = this.faults.find((f) => f.times > 0 && f.path.test(path));
    if (fault) {
      fault.times -= 1;
      return this.error(response, fault.status, `injected ${fault.status} for ${path}`, fault.headers);
    }
    if (request.method !== 'GET') return this.error(response, 405, `${request.method} is not served here`);
    if (path.startsWith(COMPUTE)) return this.computeGet(path.slice(COMPUTE.length), url.searchParams, response);
    if (path.startsWith(DNS)) return this.dnsGet(path.slice(DNS.length), url.searchParams, response);
    const search = ASSET_SEARCH.exec(path);
    if (search?.[1]) return this.searchAssets(search[1], url.searchParams, response);
    return this.error(response, 404, `no API at ${path}`);
  }

  private computeGet(path: string, query: URLSearchParams, response: ServerResponse): void {
    const aggregated = /^projects\/([^/]+)\/aggregated\/([A-Za-z]+)$/.exec(path);
    if (aggregated) {
      const [, project, collection] = aggregated;
      const items: Record<string, Record<string, unknown[]>> = {};
      for (const [key, value] of this.compute) {
        const match = new RegExp(`^projects/${project}/(regions/[^/]+)/${collection}/[^/]+$`).exec(key);
        if (!match?.[1]) continue;
        (items[match[1]] ??= { [collection ?? '']: [] })[collection ?? '']?.push(value);
      }
      return this.json(response, 200, { kind: `compute#${collection}AggregatedList`, items });
    }
    if (this.compute.has(path)) return this.json(response, 200, this.compute.get(path));
    // A collection: `projects/P/global/routes`, `projects/P/regions/R/routers`.
    if (/^projects\/[^/]+\/(global|regions\/[^/]+)\/[A-Za-z]+$/.test(path)) {
      let items = [...this.compute].filter(([key]) => key.startsWith(`${path}/`) && !key.slice(path.length + 1).includes('/')).map(([, v]) => v);
      const network = /network\s*=\s*"?([^"\s]+)"?/.exec(query.get('filter') ?? '')?.[1];
      if (network) items = items.filter((item) => item.network === network);
      return this.page(response, query, items, 'items');
    }
    return this.error(response, 404, `The resource '${path}' was not found`);
  }

  private dnsGet(path: string, query: URLSearchParams, response: ServerResponse): void {
    const collection = /^projects\/[^/]+\/(managedZones|policies)$|^projects\/[^/]+\/managedZones\/[^/]+\/(rrsets)$/.exec(path);
    if (collection) {
      const name = collection[1] ?? collection[2] ?? '';
      const items = [...this.dns].filter(([key]) => key.startsWith(`${path}/`) && (name === 'rrsets' || !key.slice(path.length + 1).includes('/'))).map(([, v]) => v);
      return this.page(response, query, items, name);
    }
    if (this.dns.has(path)) return this.json(response, 200, this.dns.get(path));
    return this.error(response, 404, `The '${path}' resource named was not found.`);
  }

  /**
   * `searchAllResources` over what this server holds: each resource's full name
   * (`//compute.googleapis.com/projects/P/…`), its asset type, and its project, for the projects
   * under the scope.
   */
  private searchAssets(scope: string, query: URLSearchParams, response: ServerResponse): void {
    const wanted = new Set(query.getAll('assetTypes').flatMap((t) => t.split(',')));
    const inScope = (project: string) => scope === `projects/${project}` || (this.ancestors.get(project) ?? []).includes(scope);
    const results: Record<string, unknown>[] = [];
    const add = (service: string, path: string, assetType: string) => {
      const project = /^projects\/([^/]+)/.exec(path)?.[1] ?? '';
      if (!inScope(project) || (wanted.size > 0 && !wanted.has(assetType))) return;
      results.push({ name: `//${service}/${path}`, assetType, project: `projects/${project}`, location: /regions\/([^/]+)/.exec(path)?.[1] ?? 'global' });
    };
    const computeTypes: Record<string, string> = {
      networks: 'compute.googleapis.com/Network', routers: 'compute.googleapis.com/Router', subnetworks: 'compute.googleapis.com/Subnetwork',
      forwardingRules: 'compute.googleapis.com/ForwardingRule', routes: 'compute.googleapis.com/Route',
    };
    for (const key of this.compute.keys()) {
      const collection = /\/([A-Za-z]+)\/[^/]+$/.exec(key)?.[1] ?? '';
      const type = key.includes('/global/forwardingRules/') ? 'compute.googleapis.com/GlobalForwardingRule' : computeTypes[collection];
      if (type) add('compute.googleapis.com', key, type);
    }
    for (const key of this.dns.keys()) {
      if (/\/managedZones\/[^/]+$/.test(key)) add('dns.googleapis.com', key, 'dns.googleapis.com/ManagedZone');
      if (/\/policies\/[^/]+$/.test(key)) add('dns.googleapis.com', key, 'dns.googleapis.com/Policy');
    }
    this.page(response, query, results, 'results');
  }

  private page(response: ServerResponse, query: URLSearchParams, items: unknown[], field: string): void {
    const start = Number(query.get('pageToken') ?? 0);
    const size = Math.min(this.pageSize, Number(query.get('maxResults') ?? this.pageSize));
    const next = start + size < items.length ? String(start + size) : undefined;
    this.json(response, 200, { [field]: items.slice(start, start + size), ...(next ? { nextPageToken: next } : {}) });
  }

  private error(response: ServerResponse, code: number, message: string, headers: Record<string, string> = {}): void {
    const [status, reason] = STATUS_NAMES[code] ?? ['UNKNOWN', 'unknown'];
    response.writeHead(code, { 'content-type': 'application/json; charset=UTF-8', ...headers });
    response.end(JSON.stringify({ error: { code, message, errors: [{ message, domain: 'global', reason }], status } }));
  }

  private json(response: ServerResponse, status: number, body: unknown): void {
    response.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
    response.end(JSON.stringify(body));
  }
}
