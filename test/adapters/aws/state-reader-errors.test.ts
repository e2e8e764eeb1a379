import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PermanentReadError, TransientError } from '../../../core/errors.js';
import type { ResourceRef } from '../../../core/resource.js';
import { AwsNotFoundError, awsReadError, classifyAwsError } from '../../../adapters/aws/read-errors.js';
import { AwsStateReader } from '../../../adapters/aws/state-reader.js';

// The SDK's own clients and retry strategy against a local HTTP server speaking EC2's query
// protocol: what a throttled, denied or failing EC2 looks like, without an account.

const CREDENTIALS = { accessKeyId: 'AKIDLOCALTEST0000001', secretAccessKey: 'local/secret/never-shown', sessionToken: 'local-session-token' };
const RTB = 'rtb-0b2c3d4e5f6071829';
const TGW_RTB = 'tgw-rtb-0a1b2c3d4e5f60718';

interface Answer { status: number; body: string }
type Handler = (attempt: number) => Answer;

interface CannedEc2 {
  endpoint: string;
  /** The Action of each request received, in order. */
  actions: string[];
}

const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** An EC2 endpoint answering each Action with its handler, called with the 1-based attempt number. */
async function cannedEc2(handlers: Record<string, Handler>): Promise<CannedEc2> {
  const actions: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => { body += chunk.toString('utf8'); });
    request.on('end', () => {
      const action = new URLSearchParams(body).get('Action') ?? '';
      if (action === 'GetCallerIdentity') {
        // The reader asks STS whose credentials it has (the same endpoint serves every service).
        response.writeHead(200, { 'content-type': 'text/xml;charset=UTF-8' });
        response.end(CALLER_IDENTITY);
        return;
      }
      actions.push(action);
      const handler = handlers[action];
      const answer = handler
        ? handler(actions.filter((a) => a === action).length)
        : ec2Error(400, 'InvalidAction', `unexpected ${action}`);
      response.writeHead(answer.status, { 'content-type': 'text/xml;charset=UTF-8' });
      response.end(answer.body);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, actions };
}

const CALLER_IDENTITY = `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>
  <Arn>arn:aws:iam::111122223333:user/netdrift</Arn><UserId>AIDAEXAMPLEUSERID0001</UserId><Account>111122223333</Account>
</GetCallerIdentityResult><ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata></GetCallerIdentityResponse>`;

function ec2Error(status: number, code: string, message: string): Answer {
  return {
    status,
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>8f7ba4a0-4b8c-4d5e-9f0a-1b2c3d4e5f60</RequestID></Response>`,
  };
}

function ec2Ok(action: string, inner: string): Answer {
  return {
    status: 200,
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>${inner}</${action}Response>`,
  };
}

const DESCRIBE_ROUTE_TABLES = ec2Ok('DescribeRouteTables', `<routeTableSet><item>
  <routeTableId>${RTB}</routeTableId><vpcId>vpc-0123456789abcdef0</vpcId><ownerId>111122223333</ownerId>
  <routeSet>
    <item><destinationCidrBlock>10.20.0.0/16</destinationCidrBlock><gatewayId>local</gatewayId><state>active</state><origin>CreateRouteTable</origin></item>
    <item><destinationCidrBlock>0.0.0.0/0</destinationCidrBlock><natGatewayId>nat-0f1e2d3c4b5a69788</natGatewayId><state>blackhole</state><origin>CreateRoute</origin></item>
    <item><destinationCidrBlock>172.16.0.0/12</destinationCidrBlock><gatewayId>vgw-0a9b8c7d6e5f40312</gatewayId><state>active</state><origin>EnableVgwRoutePropagation</origin></item>
  </routeSet>
  <associationSet><item><routeTableAssociationId>rtbassoc-0a1b2c3d4e5f60718</routeTableAssociationId><routeTableId>${RTB}</routeTableId>
    <subnetId>subnet-0aa11bb22cc33dd44</subnetId><main>false</main><associationState><state>associated</state></associationState></item></associationSet>
  <propagatingVgwSet><item><gatewayId>vgw-0a9b8c7d6e5f40312</gatewayId></item></propagatingVgwSet>
  <tagSet/>
</item></routeTableSet>`);

const ROUTE_TABLE_STATE = {
  kind: 'route-table', id: RTB, region: 'eu-west-1', network: 'vpc-0123456789abcdef0',
  routes: [
    { destination: '0.0.0.0/0', target: { type: 'nat', id: 'nat-0f1e2d3c4b5a69788' } },
    { destination: '10.20.0.0/16', target: { type: 'local' } },
  ],
  subnets: ['subnet-0aa11bb22cc33dd44'],
  associations: [{ id: 'rtbassoc-0a1b2c3d4e5f60718', subnet: 'subnet-0aa11bb22cc33dd44' }],
  propagations: ['vgw-0a9b8c7d6e5f40312'],
};

function ref(kind: ResourceRef['kind'], id: string): ResourceRef {
  return { cloud: 'aws', account: '111122223333', kind, id, region: 'eu-west-1' };
}

function reader(endpoint: string, maxAttempts = 3): AwsStateReader {
  return new AwsStateReader({ clientConfig: { endpoint, credentials: CREDENTIALS, maxAttempts } });
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

describe('AwsStateReader against a canned EC2 endpoint', () => {
  it('reads a route table as DescribeRouteTables describes it, less propagated routes', async () => {
    const ec2 = await cannedEc2({ DescribeRouteTables: () => DESCRIBE_ROUTE_TABLES });

    const result = await reader(ec2.endpoint).read(ref('route-table', RTB));

    expect(result).toStrictEqual({ exists: true, state: ROUTE_TABLE_STATE });
  });

  it('retries a throttled call with the SDK strategy and then reads', async () => {
    const ec2 = await cannedEc2({
      DescribeRouteTables: (attempt) => (attempt <= 2 ? ec2Error(400, 'RequestLimitExceeded', 'Request limit exceeded.') : DESCRIBE_ROUTE_TABLES),
    });

    const result = await reader(ec2.endpoint, 5).read(ref('route-table', RTB));

    expect(result).toStrictEqual({ exists: true, state: ROUTE_TABLE_STATE });
    expect(ec2.actions).toStrictEqual(['DescribeRouteTables', 'DescribeRouteTables', 'DescribeRouteTables']);
  });

  it('gives up on a call still throttled after maxAttempts with a TransientError', async () => {
    const ec2 = await cannedEc2({ DescribeRouteTables: () => ec2Error(400, 'RequestLimitExceeded', 'Request limit exceeded.') });

    const error = await failure(reader(ec2.endpoint, 2).read(ref('route-table', RTB)));

    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toBe(`ec2:DescribeRouteTables ${RTB} in eu-west-1: RequestLimitExceeded (HTTP 400), after 2 attempts`);
    expect(ec2.actions).toHaveLength(2);
  });

  it('retries a 5xx and then fails with a TransientError', async () => {
    const ec2 = await cannedEc2({ DescribeNatGateways: () => ec2Error(500, 'InternalError', 'An internal error has occurred') });

    const error = await failure(reader(ec2.endpoint, 2).read(ref('nat-gateway', 'nat-0f1e2d3c4b5a69788')));

    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toBe('ec2:DescribeNatGateways nat-0f1e2d3c4b5a69788 in eu-west-1: InternalError (HTTP 500), after 2 attempts');
  });

  it('does not retry access denied, and says which call and code in one line without credentials', async () => {
    const ec2 = await cannedEc2({
      DescribeVpcEndpoints: () => ec2Error(403, 'UnauthorizedOperation', `You are not authorized to perform this operation. Encoded authorization failure message: ${'x'.repeat(400)}`),
    });

    const error = await failure(reader(ec2.endpoint).read(ref('private-endpoint', 'vpce-0a1b2c3d4e5f60718')));

    expect(error).toBeInstanceOf(PermanentReadError);
    expect(error).not.toBeInstanceOf(AwsNotFoundError);
    expect(error.message).toBe('ec2:DescribeVpcEndpoints vpce-0a1b2c3d4e5f60718 in eu-west-1: UnauthorizedOperation (HTTP 403)');
    expect(ec2.actions).toHaveLength(1);
    for (const secret of Object.values(CREDENTIALS)) expect(error.message).not.toContain(secret);
  });

  it('reads a NotFound code as a resource that does not exist', async () => {
    const ec2 = await cannedEc2({ DescribeNatGateways: () => ec2Error(400, 'NatGatewayNotFound', "The Nat Gateway nat-0f1e2d3c4b5a69788 was not found") });

    const result = await reader(ec2.endpoint).read(ref('nat-gateway', 'nat-0f1e2d3c4b5a69788'));

    expect(result).toStrictEqual({ exists: false });
  });

  it('reads a transit gateway route table: static routes to their attachment, or blackhole', async () => {
    const ec2 = await cannedEc2({
      DescribeTransitGatewayRouteTables: () => ec2Ok('DescribeTransitGatewayRouteTables', `<transitGatewayRouteTables><item>
        <transitGatewayRouteTableId>${TGW_RTB}</transitGatewayRouteTableId><transitGatewayId>tgw-0a13743bd6c1f5fcb</transitGatewayId>
        <state>available</state><defaultAssociationRouteTable>false</defaultAssociationRouteTable></item></transitGatewayRouteTables>`),
      SearchTransitGatewayRoutes: () => ec2Ok('SearchTransitGatewayRoutes', `<routeSet>
        <item><destinationCidrBlock>10.30.0.0/16</destinationCidrBlock><transitGatewayAttachments><item><resourceId>vpc-0fedcba9876543210</resourceId>
          <transitGatewayAttachmentId>tgw-attach-0a1b2c3d4e5f60718</transitGatewayAttachmentId><resourceType>vpc</resourceType></item></transitGatewayAttachments>
          <type>static</type><state>active</state></item>
        <item><destinationCidrBlock>10.50.0.0/16</destinationCidrBlock><type>static</type><state>blackhole</state></item>
      </routeSet><additionalRoutesAvailable>false</additionalRoutesAvailable>`),
    });

    const result = await reader(ec2.endpoint).read(ref('route-table', TGW_RTB));

    expect(result).toStrictEqual({
      exists: true,
      state: {
        kind: 'route-table', id: TGW_RTB, region: 'eu-west-1', network: 'tgw-0a13743bd6c1f5fcb', subnets: [],
        routes: [
          { destination: '10.30.0.0/16', target: { type: 'transit', id: 'tgw-attach-0a1b2c3d4e5f60718' } },
          { destination: '10.50.0.0/16', target: { type: 'blackhole' } },
        ],
      },
    });
  });

  it('refuses a transit gateway route table whose static routes one call cannot return', async () => {
    const ec2 = await cannedEc2({
      DescribeTransitGatewayRouteTables: () => ec2Ok('DescribeTransitGatewayRouteTables', `<transitGatewayRouteTables><item>
        <transitGatewayRouteTableId>${TGW_RTB}</transitGatewayRouteTableId><transitGatewayId>tgw-0a13743bd6c1f5fcb</transitGatewayId>
        <state>available</state></item></transitGatewayRouteTables>`),
      SearchTransitGatewayRoutes: () => ec2Ok('SearchTransitGatewayRoutes', '<routeSet/><additionalRoutesAvailable>true</additionalRoutesAvailable>'),
    });

    const error = await failure(reader(ec2.endpoint).read(ref('route-table', TGW_RTB)));

    expect(error).toBeInstanceOf(PermanentReadError);
    expect(error.message).toContain('more than 1000 static routes');
  });

  it('fails with a TransientError when the endpoint cannot be reached', async () => {
    const ec2 = await cannedEc2({ DescribeRouteTables: () => DESCRIBE_ROUTE_TABLES });
    const aws = reader(ec2.endpoint, 2);
    await aws.read(ref('route-table', RTB)); // from here on, the reader knows whose credentials it has
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));

    const error = await failure(aws.read(ref('internet-gateway', 'igw-0c1d2e3f4a5b6c7d8')));

    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toMatch(/^ec2:DescribeInternetGateways igw-0c1d2e3f4a5b6c7d8 in eu-west-1: ECONNREFUSED/);
  });

  it('rejects refs of another cloud or of a kind AWS lacks', async () => {
    const aws = reader('http://127.0.0.1:9');

    await expect(aws.read({ ...ref('route-table', RTB), cloud: 'gcp' })).rejects.toThrow(PermanentReadError);
    await expect(aws.read(ref('subnet', 'subnet-0aa11bb22cc33dd44'))).rejects.toThrow('AWS has no subnet resources');
  });
});

describe('classifyAwsError', () => {
  function sdkError(name: string, status?: number, fault?: 'client' | 'server') {
    return Object.assign(new Error('message'), {
      name, ...(fault ? { $fault: fault } : {}), $metadata: status === undefined ? { attempts: 1 } : { httpStatusCode: status, attempts: 1 },
    });
  }

  it.each([
    ['InvalidRouteTableID.NotFound', 400, 'not-found'],
    ['InvalidVpcPeeringConnectionID.NotFound', 400, 'not-found'],
    ['NatGatewayNotFound', 400, 'not-found'],
    ['NoSuchHostedZone', 404, 'not-found'],
    ['ResourceNotFoundException', 400, 'not-found'],
    ['RequestLimitExceeded', 503, 'transient'],
    ['RequestLimitExceeded', 400, 'transient'],
    ['Throttling', 400, 'transient'],
    ['ThrottlingException', 400, 'transient'],
    ['PriorRequestNotComplete', 400, 'transient'],
    ['InternalServiceErrorException', 500, 'transient'],
    ['ServiceUnavailable', 503, 'transient'],
    ['SomethingNew', 502, 'transient'],
    ['TooManyRequestsException', 429, 'transient'],
    ['UnauthorizedOperation', 403, 'permanent'],
    ['AccessDenied', 403, 'permanent'],
    ['AccessDeniedException', 400, 'permanent'],
    ['AuthFailure', 401, 'permanent'],
    ['InvalidRouteTableId.Malformed', 400, 'permanent'],
    ['InvalidInput', 400, 'permanent'],
  ] as const)('%s (HTTP %d) is %s', (code, status, expected) => {
    expect(classifyAwsError(sdkError(code, status))).toBe(expected);
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN'])('a network error %s is transient', (code) => {
    const error = Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code, $metadata: { attempts: 5 } });

    expect(classifyAwsError(error)).toBe('transient');
  });

  it('a request timeout is transient', () => {
    expect(classifyAwsError(sdkError('TimeoutError'))).toBe('transient');
  });

  it('a server fault without a status is transient, anything unknown permanent', () => {
    expect(classifyAwsError(sdkError('Weird', undefined, 'server'))).toBe('transient');
    expect(classifyAwsError(new TypeError('bad'))).toBe('permanent');
    expect(classifyAwsError('a string')).toBe('permanent');
  });
});

describe('awsReadError', () => {
  it('keeps the original as cause and names call, subject, code, status and attempts', () => {
    const original = Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400, attempts: 5 } });

    const error = awsReadError('route53:GetHostedZone', 'Z0123456789ABCDEFGHIJ', original);

    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toBe('route53:GetHostedZone Z0123456789ABCDEFGHIJ: Throttling (HTTP 400), after 5 attempts');
    expect(error.cause).toBe(original);
  });

  it('maps a missing resource to AwsNotFoundError, a PermanentReadError', () => {
    const error = awsReadError('route53:GetHostedZone', 'Z0', Object.assign(new Error('x'), { name: 'NoSuchHostedZone', $metadata: { httpStatusCode: 404 } }));

    expect(error).toBeInstanceOf(AwsNotFoundError);
    expect(error).toBeInstanceOf(PermanentReadError);
  });
});
