/**
 * GCP resource ids as the snapshot format spells them (DESIGN.md, "Resource ids"): paths without
 * the API host and version, `projects/P/global/networks/N`.
 */

const SCHEME_AND_HOST = /^(?:https?:)?\/\/[^/]+\//i;
const API_PREFIX = /^(?:compute|dns)\/(?:v\d+\w*|beta|alpha)\//i;

/**
 * Strips the API host and version from a resource URL:
 * `https://www.googleapis.com/compute/v1/projects/p/global/networks/n`,
 * `https://compute.googleapis.com/compute/beta/projects/…` and the full resource name
 * `//compute.googleapis.com/projects/…` all become `projects/p/global/networks/n`.
 * A value that is already a path (or a bare name) is returned trimmed.
 */
export function gcpResourcePath(url: string): string {
  let path = url.trim().replace(SCHEME_AND_HOST, '');
  const projects = path.startsWith('projects/') ? 0 : path.indexOf('/projects/');
  path = projects > 0 ? path.slice(projects + 1) : path.replace(API_PREFIX, '');
  return path.replace(/\/+$/, '');
}

/**
 * A reference in a request as a full path. The Compute API also takes partial URLs
 * (`global/networks/n`, `regions/r/subnetworks/s`) and, for some fields, a bare name:
 * https://cloud.google.com/compute/docs/reference/rest/v1#resource-urls — those are completed
 * with the project and, for a bare name, with `collection` (e.g. `global/networks`).
 */
export function qualifiedPath(reference: string, project: string, collection: string): string {
  const path = gcpResourcePath(reference);
  if (path.startsWith('projects/')) return path;
  if (/^(global|regions|zones)\//.test(path)) return `projects/${project}/${path}`;
  return path.includes('/') ? path : `projects/${project}/${collection}/${path}`;
}

/** The project of a path (`projects/P/…`), if it names one. */
export function projectOfPath(path: string): string | undefined {
  const match = /^projects\/([^/]+)/.exec(gcpResourcePath(path));
  return match?.[1];
}

/** The region (or zone) a path lives in; `global` for global resources. */
export function regionOfPath(path: string): string {
  const match = /(?:^|\/)(?:regions|zones)\/([^/]+)/.exec(path);
  return match?.[1] ?? 'global';
}

/** The last segment of a path: a resource's short name. */
export function nameOfPath(path: string): string {
  const segments = path.split('/').filter(Boolean);
  return segments[segments.length - 1] ?? '';
}
