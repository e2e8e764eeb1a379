/** CloudTrail records (EventBridge form) for CLI tests, written by us in the real schema. */
export const ACCOUNT = '111122223333';

let counter = 0;

export function cloudTrail(eventName: string, requestParameters: unknown, fields: Record<string, unknown> = {}): Record<string, unknown> {
  counter += 1;
  return {
    eventVersion: '1.08',
    userIdentity: { type: 'AssumedRole', principalId: 'AROAEXAMPLE:bob', arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Ops/bob`, accountId: ACCOUNT },
    eventTime: '2026-11-26T12:00:00Z', eventSource: 'ec2.amazonaws.com', eventName, awsRegion: 'eu-west-1',
    sourceIPAddress: '198.51.100.77', userAgent: 'terraform/1.9.0', requestParameters, responseElements: { _return: true },
    requestID: `req-${counter}`, eventID: `0e6f7a10-cli0-4000-8000-${String(counter).padStart(12, '0')}`,
    readOnly: false, eventType: 'AwsApiCall', managementEvent: true, recipientAccountId: ACCOUNT, eventCategory: 'Management',
    ...fields,
  };
}

export function eventBridge(detail: Record<string, unknown>): Record<string, unknown> {
  return {
    version: '0', id: `eb-${String(detail.eventID)}`, 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.ec2',
    account: ACCOUNT, time: detail.eventTime, region: detail.awsRegion, resources: [], detail,
  };
}

export const baseline = {
  schema: 'netdrift/snapshot@1',
  scope: { cloud: 'aws', account: ACCOUNT },
  capturedAt: '2026-11-25T00:00:00Z',
  resources: [
    {
      kind: 'route-table', id: 'rtb-0private01', region: 'eu-west-1', network: 'vpc-01',
      routes: [{ destination: '10.0.0.0/16', target: { type: 'local' } }, { destination: '0.0.0.0/0', target: { type: 'nat', id: 'nat-0abc' } }],
      subnets: ['subnet-01'],
    },
    { kind: 'private-endpoint', id: 'vpce-0s301', region: 'eu-west-1', network: 'vpc-01', service: 'com.amazonaws.eu-west-1.s3', privateDns: false },
  ],
};
