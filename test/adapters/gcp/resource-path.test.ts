import { describe, expect, it } from 'vitest';
import { gcpResourcePath, qualifiedPath, routeTargetFromGcp } from '../../../adapters/gcp/index.js';

describe('gcpResourcePath', () => {
  it.each([
    ['https://www.googleapis.com/compute/v1/projects/p/global/networks/n', 'projects/p/global/networks/n'],
    ['https://www.googleapis.com/compute/beta/projects/p/regions/r/routers/x', 'projects/p/regions/r/routers/x'],
    ['https://compute.googleapis.com/compute/v1/projects/p/regions/r/subnetworks/s', 'projects/p/regions/r/subnetworks/s'],
    ['//compute.googleapis.com/projects/p/global/forwardingRules/f', 'projects/p/global/forwardingRules/f'],
    ['https://dns.googleapis.com/dns/v1/projects/p/managedZones/z', 'projects/p/managedZones/z'],
    ['projects/p/global/networks/n', 'projects/p/global/networks/n'],
    [' projects/p/global/networks/n/ ', 'projects/p/global/networks/n'],
    ['global/networks/n', 'global/networks/n'],
    ['10.20.0.5', '10.20.0.5'],
  ])('%s → %s', (url, path) => {
    expect(gcpResourcePath(url)).toBe(path);
  });
});

describe('qualifiedPath', () => {
  it.each([
    ['https://www.googleapis.com/compute/v1/projects/other/global/networks/n', 'projects/other/global/networks/n'],
    ['global/networks/n', 'projects/p/global/networks/n'],
    ['regions/r/subnetworks/s', 'projects/p/regions/r/subnetworks/s'],
    ['n', 'projects/p/global/networks/n'],
  ])('%s in project p → %s', (reference, path) => {
    expect(qualifiedPath(reference, 'p', 'global/networks')).toBe(path);
  });
});

describe('routeTargetFromGcp', () => {
  const API = 'https://www.googleapis.com/compute/v1/projects/p';

  it.each([
    ['the default internet gateway', { nextHopGateway: `${API}/global/gateways/default-internet-gateway` },
      { type: 'internet', id: 'projects/p/global/gateways/default-internet-gateway' }],
    ['a next-hop IP', { nextHopIp: '10.20.0.5' }, { type: 'appliance', id: '10.20.0.5' }],
    ['an instance', { nextHopInstance: `${API}/zones/europe-west1-b/instances/fw-1` },
      { type: 'appliance', id: 'projects/p/zones/europe-west1-b/instances/fw-1' }],
    ['an internal load balancer', { nextHopIlb: `${API}/regions/europe-west1/forwardingRules/fw-ilb` },
      { type: 'appliance', id: 'projects/p/regions/europe-west1/forwardingRules/fw-ilb' }],
    ['an internal load balancer by IP', { nextHopIlb: '10.20.0.9' }, { type: 'appliance', id: '10.20.0.9' }],
    ['a VPN tunnel', { nextHopVpnTunnel: `${API}/regions/europe-west1/vpnTunnels/to-dc` },
      { type: 'vpn', id: 'projects/p/regions/europe-west1/vpnTunnels/to-dc' }],
    ['a peering', { nextHopPeering: 'to-shared-svc' }, { type: 'peering', id: 'to-shared-svc' }],
    ['a peered network', { nextHopNetwork: `${API}/global/networks/hub` }, { type: 'peering', id: 'projects/p/global/networks/hub' }],
    ['another gateway', { nextHopGateway: `${API}/global/gateways/other-gateway` }, { type: 'other', id: 'projects/p/global/gateways/other-gateway' }],
    ['nothing', {}, { type: 'other' }],
  ])('%s', (_what, route, target) => {
    expect(routeTargetFromGcp(route)).toStrictEqual(target);
  });

  it('completes partial URLs with the project', () => {
    expect(routeTargetFromGcp({ nextHopGateway: 'global/gateways/default-internet-gateway' }, 'p'))
      .toStrictEqual({ type: 'internet', id: 'projects/p/global/gateways/default-internet-gateway' });
  });
});
