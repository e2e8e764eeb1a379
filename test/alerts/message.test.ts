import { describe, expect, it } from 'vitest';
import {
  actorLines, alertTitle, changeLines, consoleUrl, groupFindingLine, groupTitle, highestSeverity, hintText, joinWithin, mostUrgentFirst,
  renderValue, singleLine, topRules, truncateText, whereLines,
} from '../../alerts/message.js';
import { OperatorError } from '../../core/errors.js';
import { misconfiguredFinding } from '../../core/misconfigured.js';
import { OR_APPROVE } from '../../core/rules/context.js';
import { OPEN_DEFAULT_ROUTE, openFinding, resolvedFinding, smallStorm } from './finding-fixture.js';

describe('alert wording', () => {
  it('titles an open finding with severity and rule, a resolved one as resolved', () => {
    expect(alertTitle(openFinding())).toBe('[CRITICAL] route.default-added');
    expect(alertTitle(resolvedFinding())).toBe('Resolved: route.default-added');
  });

  it('says what changed, who, and where', () => {
    const finding = openFinding();

    expect(changeLines(finding)).toEqual({ baseline: '(none)', observed: '0.0.0.0/0 → nat:nat-0abc' });
    expect(actorLines(finding.actor)).toEqual([
      'arn:aws:iam::111122223333:user/alice', 'from 203.0.113.7', 'via aws-cli/2.15.0 Python/3.11.6',
    ]);
    expect(whereLines(finding)).toEqual(['aws 111122223333 eu-west-1', 'route-table rtb-0a1']);
  });

  it('says unknown when nothing is known of the actor', () => {
    expect(actorLines({})).toEqual(['unknown']);
  });
});

describe('renderValue', () => {
  it('renders routes, records, strings, arrays and objects', () => {
    expect(renderValue({ destination: '10.0.0.0/16', target: { type: 'local' } })).toBe('10.0.0.0/16 → local');
    expect(renderValue({ destination: '0.0.0.0/0', target: { type: 'internet', id: 'default-internet-gateway' }, name: 'r1' }))
      .toBe('0.0.0.0/0 → internet:default-internet-gateway (r1)');
    expect(renderValue({ name: 'db.internal.example.', type: 'A', ttl: 300, values: ['10.0.1.5', '10.0.1.6'] }))
      .toBe('db.internal.example. A 10.0.1.5, 10.0.1.6');
    expect(renderValue('vpc-01')).toBe('vpc-01');
    expect(renderValue(true)).toBe('true');
    expect(renderValue(['subnet-01', 'subnet-02'])).toBe('subnet-01, subnet-02');
    expect(renderValue([])).toBe('(empty)');
    expect(renderValue({ service: 'com.amazonaws.eu-west-1.s3', privateDns: true }))
      .toBe('{"service":"com.amazonaws.eu-west-1.s3","privateDns":true}');
    expect(renderValue(undefined)).toBe('(none)');
  });

  it('truncates a long string with an ellipsis and the count left out', () => {
    const text = renderValue('x'.repeat(20_000), 100);

    expect(text).toBe(`${'x'.repeat(84)}… (+19916 chars)`);
    expect(text).toHaveLength(100);
  });

  it('keeps as many list items as fit and counts the rest', () => {
    const subnets = Array.from({ length: 500 }, (_, i) => `subnet-${String(i).padStart(4, '0')}`);

    const text = renderValue(subnets, 120);

    expect(text.length).toBeLessThanOrEqual(120);
    expect(text).toBe(`${subnets.slice(0, 8).join(', ')}, … (+492 more)`);
  });

  it('never splits a surrogate pair', () => {
    const text = truncateText('ab😀cd'.repeat(10), 23);

    expect(text.length).toBeLessThanOrEqual(23);
    expect(text).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });

  it('joins within a budget even when one item alone is too long', () => {
    expect(joinWithin(['y'.repeat(50), 'z'], 30).length).toBeLessThanOrEqual(30);
  });

  it('makes outside text a single safe line', () => {
    expect(singleLine('curl/8\r\n\u001b[31mred\u0007')).toBe('curl/8 [31mred');
  });
});

describe('consoleUrl', () => {
  const aws = (kind: string, resource: string, region = 'eu-west-1'): string | undefined => {
    const finding = openFinding();
    return consoleUrl({ ...finding, kind: kind as typeof finding.kind, resource, region });
  };

  it('opens an AWS route table in the VPC console of its region', () => {
    expect(consoleUrl(openFinding())).toBe(
      'https://eu-west-1.console.aws.amazon.com/vpcconsole/home?region=eu-west-1#RouteTableDetails:RouteTableId=rtb-0a1',
    );
  });

  it('opens each AWS kind on its own page', () => {
    expect(aws('nat-gateway', 'nat-0abc')).toBe(
      'https://eu-west-1.console.aws.amazon.com/vpcconsole/home?region=eu-west-1#NatGatewayDetails:natGatewayId=nat-0abc');
    expect(aws('private-endpoint', 'vpce-01')).toBe(
      'https://eu-west-1.console.aws.amazon.com/vpcconsole/home?region=eu-west-1#EndpointDetails:vpcEndpointId=vpce-01');
    expect(aws('internet-gateway', 'igw-01')).toBe(
      'https://eu-west-1.console.aws.amazon.com/vpcconsole/home?region=eu-west-1#InternetGateway:internetGatewayId=igw-01');
    expect(aws('route-table', 'tgw-rtb-01')).toContain('#TransitGatewayRouteTables:transitGatewayRouteTableId=tgw-rtb-01');
    expect(aws('dns-forwarding', 'rslvr-rr-01')).toBe(
      'https://eu-west-1.console.aws.amazon.com/route53resolver/home?region=eu-west-1#/rules');
  });

  it('opens a global Route 53 zone in us-east-1', () => {
    expect(aws('dns-zone', 'Z0EXAMPLE', 'global')).toBe(
      'https://us-east-1.console.aws.amazon.com/route53/v2/hostedzones?region=us-east-1#ListRecordSets/Z0EXAMPLE');
  });

  it('opens an Azure resource by its ARM id', () => {
    const id = '/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/routeTables/rt-1';
    const finding = { ...openFinding(), cloud: 'azure' as const, account: 'S', resource: id };

    expect(consoleUrl(finding)).toBe(`https://portal.azure.com/#@/resource${id}`);
  });

  it('opens a GCP resource in its project', () => {
    const gcp = (kind: string, resource: string): string | undefined => {
      const finding = openFinding();
      return consoleUrl({ ...finding, cloud: 'gcp', account: 'p', kind: kind as typeof finding.kind, resource, region: 'europe-west1' });
    };

    expect(gcp('route-table', 'projects/p/global/networks/vpc-1'))
      .toBe('https://console.cloud.google.com/networking/networks/details/vpc-1?project=p');
    expect(gcp('nat-gateway', 'projects/p/regions/europe-west1/routers/r1/nats/n1'))
      .toBe('https://console.cloud.google.com/net-services/nat/details/europe-west1/r1/n1?project=p');
    expect(gcp('subnet', 'projects/p/regions/europe-west1/subnetworks/sn-1'))
      .toBe('https://console.cloud.google.com/networking/subnetworks/details/europe-west1/sn-1?project=p');
    expect(gcp('dns-zone', 'projects/other/managedZones/corp'))
      .toBe('https://console.cloud.google.com/net-services/dns/zones/corp/details?project=other');
  });
});

describe('storm wording', () => {
  it('titles a storm by its size and cause', () => {
    const storm = smallStorm();

    expect(groupTitle(storm)).toBe('3 findings from event ev-create-1');
    expect(groupTitle({ ...storm, cause: 'principal a\nb', findings: [openFinding()] })).toBe('1 finding from principal a b');
  });

  it('takes the highest severity, info for none', () => {
    expect(highestSeverity(smallStorm().findings)).toBe('critical');
    expect(highestSeverity([])).toBe('info');
  });

  it('lists open before resolved, louder first, otherwise in the given order', () => {
    const order = mostUrgentFirst(smallStorm().findings).map((f) => `${f.status} ${f.severity} ${f.resource}`);

    expect(order).toEqual(['open critical rtb-0a1', 'open medium rtb-0b2', 'resolved high rtb-0c3']);
  });

  it('names the most frequent rules and counts the others', () => {
    const rules = (names: string[]) => names.map((rule) => ({ ...openFinding(), rule: rule as ReturnType<typeof openFinding>['rule'] }));

    expect(topRules(smallStorm().findings)).toBe('route.added (2), route.default-added (1)');
    expect(topRules(rules(['nat.deleted', 'route.added', 'route.added', 'peering.added', 'route.removed', 'route.removed', 'route.removed'])))
      .toBe('route.removed (3), route.added (2), nat.deleted (1), +1 more rule');
  });

  it('puts one finding of a storm on one line, a resolved one as what the resource is now', () => {
    const finding = openFinding();
    finding.summary = 'two\nlines';

    expect(groupFindingLine(finding)).toBe('[CRITICAL] route.default-added — rtb-0a1: two lines');
    expect(groupFindingLine(resolvedFinding())).toBe(
      'Resolved: route.default-added — rtb-0a1: route 0.0.0.0/0 is gone from rtb-0a1, as in the baseline',
    );
  });
});

describe('hints name the exact baseline commands', () => {
  it('for an invalid Azure or GCP baseline: capture and approve for that cloud and account, as the CLI takes them', () => {
    const azure = misconfiguredFinding(
      { cloud: 'azure', account: '00000000-0000-0000-0000-000000000001' },
      new OperatorError('baseline-invalid', 'baselines/azure/x.json: resources: expected array', 'correct or restore baselines/azure/x.json (netdrift snapshot capture, then approve)'),
      'ev-1', '2026-12-02T09:00:00Z',
    );
    const gcp = misconfiguredFinding(
      { cloud: 'gcp', account: 'acme-net-prod' },
      new OperatorError('baseline-invalid', 'bad', 'correct or restore baselines/gcp/acme-net-prod.json (netdrift snapshot capture, then approve)'),
      'ev-1', '2026-12-02T09:00:00Z',
    );

    expect(hintText(azure)).toBe('correct or restore baselines/azure/x.json (netdrift snapshot capture --cloud azure --account '
      + '00000000-0000-0000-0000-000000000001, then netdrift snapshot approve --cloud azure --account 00000000-0000-0000-0000-000000000001)');
    expect(hintText(gcp)).toBe('correct or restore baselines/gcp/acme-net-prod.json (netdrift snapshot capture --cloud gcp --account acme-net-prod, '
      + 'then netdrift snapshot approve --cloud gcp --account acme-net-prod)');
  });

  it('for a drift: approve names the account (AWS capture needs the regions the baseline covers)', () => {
    const finding = openFinding();
    finding.hint = `Delete the route 0.0.0.0/0 from rtb-0a1, ${OR_APPROVE}.`;

    expect(hintText(finding)).toBe('Delete the route 0.0.0.0/0 from rtb-0a1, or, if intended, approve a new baseline (netdrift snapshot capture '
      + '--cloud aws --account 111122223333 --regions <every watched region>, then netdrift snapshot approve --cloud aws --account 111122223333).');
    expect(hintText(openFinding())).toBe(OPEN_DEFAULT_ROUTE.hint);
  });
});
