import { describe, expect, it } from 'vitest';
import { findingTransitions } from '../../core/finding-transitions.js';
import type { Resource } from '../../core/resource.js';
import { diffResource } from '../../core/rules/index.js';

/**
 * How loud a DNS forwarding change is follows what it does to queries (README, "Findings"): only a
 * forwarding with targets that is applied to a network changes where names resolve.
 */

const POLICY = 'projects/p/policies/corp-dns';
const VPC = 'projects/p/global/networks/vpc-1';

function forwarding(targets: string[], networks: string[]): Resource {
  return { kind: 'dns-forwarding', id: POLICY, region: 'global', targets, networks };
}

const judged = (baseline: Resource | undefined, observed: Resource) =>
  diffResource(baseline, observed, { cloud: 'gcp' }).map((d) => [d.severity, d.item, d.summary]);

describe('dns-forwarding.changed severity', () => {
  it('is low for a policy created with no targets and no networks: it forwards nothing', () => {
    expect(judged(undefined, forwarding([], []))).toEqual([['low', 'forwards-nothing', 'DNS forwarding corp-dns created — forwards nothing (no targets)']]);
  });

  it('is low with private targets on no network, medium with outside targets on no network (one link from critical)', () => {
    expect(judged(undefined, forwarding(['10.1.0.2'], []))).toEqual([['low', 'forwards-nothing', 'DNS forwarding corp-dns created — forwards nothing (applied to no network)']]);
    expect(judged(undefined, forwarding(['8.8.8.8'], []))).toEqual([
      ['medium', 'forwards-nothing', 'DNS forwarding corp-dns created — forwards to 8.8.8.8 outside private ranges — forwards nothing (applied to no network)'],
    ]);
  });

  it('is high forwarding to a private resolver, critical to an outside one, once applied to a network', () => {
    expect(judged(undefined, forwarding(['10.1.0.2'], [VPC]))).toEqual([['high', '', 'DNS forwarding corp-dns created; linked to vpc-1']]);
    expect(judged(undefined, forwarding(['8.8.8.8'], [VPC]))).toEqual([['critical', '', 'DNS forwarding corp-dns created; linked to vpc-1 — forwards to 8.8.8.8 outside private ranges']]);
  });

  it('is high when a baseline forwarding stops forwarding: its names now go to the default resolver', () => {
    expect(judged(forwarding(['10.1.0.2'], [VPC]), forwarding([], [VPC]))).toEqual([['high', '', 'DNS forwarding corp-dns targets none']]);
  });

  it('opens a separate, louder finding when the empty policy starts forwarding outside, and resolves the quiet one', () => {
    const scope = { cloud: 'gcp', account: 'p' } as const;
    const from = (eventId: string) => ({ operation: 'dns.policies.patch', eventId, actor: { principal: 'alice' }, eventTime: '2026-12-02T09:00:00Z' });
    const quiet = findingTransitions(scope, diffResource(undefined, forwarding([], []), scope), [], from('ev-1'), '2026-12-02T09:00:01Z', true);
    const loud = findingTransitions(scope, diffResource(undefined, forwarding(['8.8.8.8'], [VPC]), scope), quiet.opened, from('ev-2'), '2026-12-02T09:01:01Z', true);

    expect(loud.opened.map((f) => f.severity)).toEqual(['critical']);
    expect(loud.resolved.map((f) => f.severity)).toEqual(['low']);
  });
});
