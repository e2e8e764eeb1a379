import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LambdaContainer } from './lambda-container.js';

/** A function the server runs: a built bundle, its environment, and where it is deployed. */
export interface LambdaFunctionSpec {
  bundle: string;
  environment: Record<string, string>;
  /** The account in the function's ARN (the context's `invokedFunctionArn`). */
  account: string;
  region: string;
}

/** One Invoke request as it arrived, and what was answered. */
export interface InvokeRecord {
  functionName: string;
  payload: unknown;
  /** The SigV4 credential scope's region and service (`Authorization: AWS4-HMAC-SHA256 Credential=…/<date>/<region>/<service>/aws4_request`). */
  signedFor?: { region: string; service: string };
  status: number;
  functionError?: string;
}

export interface LambdaInvokeServer {
  url: string;
  invocations: InvokeRecord[];
  close(): Promise<void>;
}

/** https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html: `POST /2015-03-31/functions/{FunctionName}/invocations`. */
const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

/** `FunctionName` may be a name, a full ARN or a partial one (`123456789012:function:name`), with a `:qualifier`. */
function nameOf(functionName: string): string {
  const parts = decodeURIComponent(functionName).split(':');
  const at = parts.indexOf('function');
  return at === -1 ? (parts[0] ?? '') : (parts[at + 1] ?? '');
}

function signedFor(request: IncomingMessage): InvokeRecord['signedFor'] {
  const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(request.headers.authorization ?? '');
  return scope?.[1] && scope[2] ? { region: scope[1], service: scope[2] } : undefined;
}

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Lambda's REST-JSON error: the type in `x-amzn-ErrorType`, the message in the body. */
function serviceError(response: ServerResponse, status: number, type: string, message: string): void {
  response.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type });
  response.end(JSON.stringify({ Type: 'User', message }));
}

/**
 * A local stand-in for the Lambda Invoke API (moto cannot run function code without Docker): each
 * function is a built bundle in its own fresh Node process (`LambdaContainer`, started at once and
 * warm afterwards), invoked with the request's payload. Answers as Lambda does: 200 with the
 * handler's JSON result, or 200 with `X-Amz-Function-Error: Unhandled` and the error payload;
 * 404 `ResourceNotFoundException` for a function it does not hold. Only `RequestResponse` is served.
 */
export async function startLambdaInvokeServer(functions: Record<string, LambdaFunctionSpec>): Promise<LambdaInvokeServer> {
  const containers = new Map<string, { container: LambdaContainer; spec: LambdaFunctionSpec }>();
  try {
    for (const [name, spec] of Object.entries(functions)) {
      const container = await LambdaContainer.start({ bundle: spec.bundle, functionName: name, environment: spec.environment, region: spec.region });
      containers.set(name, { container, spec });
    }
  } catch (error) {
    await Promise.all([...containers.values()].map(({ container }) => container.stop()));
    throw error;
  }
  const invocations: InvokeRecord[] = [];

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = INVOKE_PATH.exec(new URL(request.url ?? '/', 'http://localhost').pathname);
    const body = await bodyOf(request);
    if (request.method !== 'POST' || !path?.[1]) return serviceError(response, 404, 'UnknownOperationException', `${request.method} ${request.url}: not the Invoke API`);
    const functionName = nameOf(path[1]);
    const signed = signedFor(request);
    const record: InvokeRecord = { functionName, payload: null, status: 0, ...(signed ? { signedFor: signed } : {}) };
    invocations.push(record);
    try {
      record.payload = body === '' ? null : JSON.parse(body) as unknown;
    } catch {
      record.status = 400;
      return serviceError(response, 400, 'InvalidRequestContentException', 'Could not parse request body into json');
    }
    const target = containers.get(functionName);
    const type = request.headers['x-amz-invocation-type'] ?? 'RequestResponse';
    if (!target) {
      record.status = 404;
      return serviceError(response, 404, 'ResourceNotFoundException', `Function not found: arn:aws:lambda:us-east-1:000000000000:function:${functionName}`);
    }
    if (type !== 'RequestResponse') {
      record.status = 400;
      return serviceError(response, 400, 'InvalidParameterValueException', `this stand-in serves RequestResponse only, not ${String(type)}`);
    }
    const outcome = await target.container.invoke(record.payload, target.spec.account);
    record.status = 200;
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' };
    if (outcome.error) {
      record.functionError = 'Unhandled';
      headers['x-amz-function-error'] = 'Unhandled';
    }
    response.writeHead(200, headers);
    response.end(JSON.stringify(outcome.error ?? outcome.result ?? null));
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) serviceError(response, 500, 'ServiceException', error instanceof Error ? error.message : String(error));
      else response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    invocations,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...containers.values()].map(({ container }) => container.stop()));
    },
  };
}
