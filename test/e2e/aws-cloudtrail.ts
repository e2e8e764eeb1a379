/** CloudTrail records as CloudTrail writes them for the e2e calls (written by us in the real schema). */
export const E2E_ACCOUNT = '123456789012';
let sequence = 0;

export function cloudTrailRecord(eventSource: string, eventName: string, requestParameters: unknown, responseElements: unknown = null): Record<string, unknown> {
  sequence += 1;
  const route53 = eventSource === 'route53.amazonaws.com';
  return {
    eventVersion: '1.09',
    userIdentity: {
      type: 'AssumedRole', principalId: 'AROAE2EEXAMPLE:carol', arn: `arn:aws:sts::${E2E_ACCOUNT}:assumed-role/NetworkAdmin/carol`,
      accountId: E2E_ACCOUNT, sessionContext: { sessionIssuer: { type: 'Role', userName: 'NetworkAdmin' } },
    },
    eventTime: new Date(Date.UTC(2026, 10, 26, 12, 0, sequence)).toISOString().replace('.000Z', 'Z'),
    eventSource, eventName, awsRegion: route53 ? 'us-east-1' : 'eu-west-1',
    sourceIPAddress: '198.51.100.200', userAgent: 'aws-cli/2.17.0 md/command#ec2',
    requestParameters, responseElements,
    requestID: `e2e-req-${sequence}`, eventID: `e2e00000-0000-4000-8000-${String(sequence).padStart(12, '0')}`,
    readOnly: false, eventType: 'AwsApiCall', managementEvent: true, recipientAccountId: E2E_ACCOUNT, eventCategory: 'Management',
  };
}

export function eventBridgeEvent(detail: Record<string, unknown>): Record<string, unknown> {
  return {
    version: '0', id: `eb-${String(detail.eventID)}`, 'detail-type': 'AWS API Call via CloudTrail',
    source: `aws.${String(detail.eventSource).split('.')[0]}`, account: E2E_ACCOUNT, time: detail.eventTime,
    region: detail.awsRegion, resources: [], detail,
  };
}
