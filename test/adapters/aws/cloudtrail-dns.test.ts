import { describe, expect, it } from 'vitest';
import { changesOf, cloudTrail, provenance, setPath } from './fixtures.js';

const ZONE = 'Z0123456789ABCDEFGHIJ';
const RULE = 'rslvr-rr-0a1b2c3d4e5f60718';
const PEER_VPC = 'vpc-0fedcba9876543210';

describe('Route 53 hosted zone operations', () => {
  it('CreateHostedZone yields a private zone with its VPC, in region global', () => {
    const record = cloudTrail('CreateHostedZone');

    const changes = changesOf(record);

    expect(changes).toStrictEqual([{
      ...provenance(record, 'global'), kind: 'dns-zone', id: ZONE, action: 'create',
      payload: { kind: 'full', state: {
        kind: 'dns-zone', id: ZONE, region: 'global', name: 'internal.example.com.', private: true,
        networks: ['vpc-0123456789abcdef0'], records: [],
      } },
    }]);
  });

  it('CreateHostedZone of a public zone has no networks', () => {
    const record = cloudTrail('CreateHostedZone');
    setPath(record, 'requestParameters.vPC', undefined);
    setPath(record, 'requestParameters.hostedZoneConfig', undefined);
    setPath(record, 'responseElements.vPC', undefined);
    setPath(record, 'responseElements.hostedZone.config', { privateZone: false });

    const [change] = changesOf(record);

    expect(change?.payload).toMatchObject({ kind: 'full', state: { private: false, networks: [] } });
  });

  it('DeleteHostedZone deletes the zone', () => {
    const record = cloudTrail('DeleteHostedZone');

    const changes = changesOf(record);

    expect(changes).toStrictEqual([{
      ...provenance(record, 'global'), kind: 'dns-zone', id: ZONE, action: 'delete', payload: { kind: 'none' },
    }]);
  });

  it('ChangeResourceRecordSets yields one delta per change: upsert, alias create, delete', () => {
    const record = cloudTrail('ChangeResourceRecordSets');

    const changes = changesOf(record);

    expect(changes).toStrictEqual([{
      ...provenance(record, 'global'), kind: 'dns-zone', id: ZONE, action: 'update',
      payload: { kind: 'delta', deltas: [
        { op: 'put-item', field: 'records', key: ['name', 'type'],
          item: { name: 'db.internal.example.com.', type: 'A', ttl: 300, values: ['10.20.1.5', '10.20.2.5'] } },
        { op: 'put-item', field: 'records', key: ['name', 'type'],
          item: { name: 'api.internal.example.com.', type: 'A', values: ['internal-api-1234567890.eu-west-1.elb.amazonaws.com.'] } },
        { op: 'remove-item', field: 'records', match: { name: 'legacy.internal.example.com.', type: 'CNAME' } },
      ] },
    }]);
  });

  it('ChangeResourceRecordSets accepts a /hostedzone/ prefixed zone id', () => {
    const record = cloudTrail('ChangeResourceRecordSets');
    setPath(record, 'requestParameters.hostedZoneId', `/hostedzone/${ZONE}`);

    const [change] = changesOf(record);

    expect(change?.id).toBe(ZONE);
  });

  it('AssociateVPCWithHostedZone adds the VPC to the networks', () => {
    const record = cloudTrail('AssociateVPCWithHostedZone');

    const changes = changesOf(record);

    expect(changes).toStrictEqual([{
      ...provenance(record, 'global'), kind: 'dns-zone', id: ZONE, action: 'update',
      payload: { kind: 'delta', deltas: [{ op: 'add', field: 'networks', values: [PEER_VPC] }] },
    }]);
  });

  it('DisassociateVPCFromHostedZone removes the VPC from the networks', () => {
    const record = cloudTrail('DisassociateVPCFromHostedZone');

    const changes = changesOf(record);

    expect(changes).toStrictEqual([{
      ...provenance(record, 'global'), kind: 'dns-zone', id: ZONE, action: 'update',
      payload: { kind: 'delta', deltas: [{ op: 'remove', field: 'networks', values: [PEER_VPC] }] },
    }]);
  });
});

describe('Route 53 Resolver rule operations', () => {
  it('CreateResolverRule yields the rule with its domain and target IPs, in its region', () => {
    const record = cloudTrail('CreateResolverRule');

    const changes = changesOf(record);

    expect(changes).toStrictEqual([{
      ...provenance(record), kind: 'dns-forwarding', id: RULE, action: 'create',
      payload: { kind: 'full', state: {
        kind: 'dns-forwarding', id: RULE, region: 'eu-west-1', domain: 'corp.example.com.',
        targets: ['10.1.0.2', '10.1.0.3'], networks: [],
      } },
    }]);
  });

  it('UpdateResolverRule sets the targets from its config', () => {
    const record = cloudTrail('UpdateResolverRule');

    const changes = changesOf(record);

    expect(changes).toStrictEqual([{
      ...provenance(record), kind: 'dns-forwarding', id: RULE, action: 'update',
      payload: { kind: 'delta', deltas: [{ op: 'set', field: 'targets', value: ['203.0.113.53'] }] },
    }]);
  });

  it('AssociateResolverRule adds the VPC to the networks', () => {
    const record = cloudTrail('AssociateResolverRule');

    const changes = changesOf(record);

    expect(changes).toStrictEqual([{
      ...provenance(record), kind: 'dns-forwarding', id: RULE, action: 'update',
      payload: { kind: 'delta', deltas: [{ op: 'add', field: 'networks', values: ['vpc-0123456789abcdef0'] }] },
    }]);
  });

  it('DisassociateResolverRule removes the VPC from the networks', () => {
    const record = cloudTrail('DisassociateResolverRule');

    const changes = changesOf(record);

    expect(changes).toStrictEqual([{
      ...provenance(record), kind: 'dns-forwarding', id: RULE, action: 'update',
      payload: { kind: 'delta', deltas: [{ op: 'remove', field: 'networks', values: ['vpc-0123456789abcdef0'] }] },
    }]);
  });

  it('DeleteResolverRule deletes the rule', () => {
    const record = cloudTrail('DeleteResolverRule');

    const changes = changesOf(record);

    expect(changes).toStrictEqual([{
      ...provenance(record), kind: 'dns-forwarding', id: RULE, action: 'delete', payload: { kind: 'none' },
    }]);
  });
});
