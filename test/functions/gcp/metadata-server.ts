import { createServer, type Server } from 'node:http';

/**
 * A local stand-in for the metadata server Cloud Run gives every instance: Application Default
 * Credentials on Cloud Run get the service account's access token from it
 * (https://cloud.google.com/run/docs/container-contract#metadata-server). Pointed at by
 * `GCE_METADATA_HOST`, the real google-auth-library in the function fetches its token here.
 */
export class FakeMetadataServer {
  readonly requests: string[] = [];
  host = '';
  private server: Server | undefined;

  constructor(private readonly project: string) {}

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      const path = request.url ?? '';
      this.requests.push(path);
      const headers = { 'Metadata-Flavor': 'Google' };
      if (request.headers['metadata-flavor'] !== 'Google') {
        response.writeHead(403, headers).end('Missing Metadata-Flavor: Google');
      } else if (path.startsWith('/computeMetadata/v1/instance/service-accounts/default/token')) {
        response.writeHead(200, { ...headers, 'content-type': 'application/json' })
          .end(JSON.stringify({ access_token: 'metadata-token', expires_in: 3599, token_type: 'Bearer' }));
      } else if (path.startsWith('/computeMetadata/v1/project/project-id')) {
        response.writeHead(200, { ...headers, 'content-type': 'application/text' }).end(this.project);
      } else {
        response.writeHead(200, { ...headers, 'content-type': 'application/text' }).end('');
      }
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    this.host = `127.0.0.1:${address.port}`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
