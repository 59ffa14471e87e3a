import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLog } from '../../lambdas/domain/log';
import { startHttpServer, type HttpServer } from '../../local/http-server';
import { createLambdaEndpoint } from '../../local/lambda-endpoint';
import { createSqsEndpoint } from '../../local/sqs-endpoint';

describe('local HTTP server', () => {
  let http: HttpServer | undefined;
  afterEach(async () => {
    await http?.close();
    http = undefined;
  });

  const withRoutes = async (published: string[]) => {
    http = await startHttpServer(0, silentLog);
    const server = http;
    server.setRoutes({
      sqs: createSqsEndpoint({ queues: {}, baseUrl: () => server.url }),
      lambda: createLambdaEndpoint({}),
      publish: (body) => {
        published.push(body);
        return `m${published.length}`;
      },
      health: () => ({ status: 'ok' }),
      notifications: () => [],
    });
    return server;
  };

  it('listens on 127.0.0.1 and answers 503 until its routes are set', async () => {
    http = await startHttpServer(0, silentLog);
    expect(http.url).toBe(`http://127.0.0.1:${http.port}`);
    expect((await fetch(`${http.url}/health`)).status).toBe(503);
  });

  it('accepts any non-empty body on POST /events, as SQS would, and leaves validation to ingest', async () => {
    const published: string[] = [];
    const server = await withRoutes(published);
    const response = await fetch(`${server.url}/events`, { method: 'POST', body: 'plain text, not JSON' });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ messageId: 'm1' });
    expect(published).toEqual(['plain text, not JSON']);

    const invalid = await fetch(`${server.url}/events`, { method: 'POST', body: 'nul \u0000' });
    expect(invalid.status).toBe(400);
    const tooBig = await fetch(`${server.url}/events`, { method: 'POST', body: 'x'.repeat(1_048_577) });
    expect(tooBig.status).toBe(400);
    expect(((await tooBig.json()) as { message: string }).message).toMatch(/shorter than 1048576 bytes/);
    expect(published).toHaveLength(1);
  });

  it('answers 413 to a request body beyond 6 MiB without reading it all', async () => {
    const server = await withRoutes([]);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${server.url}/events`, { method: 'POST', headers: { 'content-length': String(8 * 1024 * 1024) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write(Buffer.alloc(7 * 1024 * 1024, 'x'));
    });
    expect(status).toBe(413);
  });
});
