// `npm run receiver -- [--port 4001] [--fail N]`: a tiny webhook receiver for demos. It prints every
// request (method, path, webhook-* headers, body) and answers 500 to the first N attempts of each
// delivery (counted per webhook-id, so every event fails N times), 200 after.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';

const USAGE = `usage: npm run receiver -- [--port 4001] [--fail N]
  --port N   port on 127.0.0.1 to listen on (default 4001)
  --fail N   answer 500 to the first N attempts of each delivery (per webhook-id), 200 after (default 0)`;

function usage(problem: string): never {
  process.stderr.write(`receiver: ${problem}\n${USAGE}\n`);
  process.exit(2);
}

function nonNegativeInt(name: string, raw: string): number {
  if (!/^\d+$/.test(raw)) usage(`--${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

let parsed;
try {
  parsed = parseArgs({
    options: { port: { type: 'string', default: '4001' }, fail: { type: 'string', default: '0' }, help: { type: 'boolean', short: 'h' } },
  });
} catch (error) {
  usage((error as Error).message);
}
if (parsed.values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const port = nonNegativeInt('port', parsed.values.port);
const failFirst = nonNegativeInt('fail', parsed.values.fail);
if (port > 65_535) usage(`--port must be at most 65535, got ${port}`);

let count = 0;
/** Attempts seen per delivery (webhook-id); a request without one counts on its own. */
const attemptsOf = new Map<string, number>();
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    count += 1;
    const webhookId = req.headers['webhook-id'];
    const key = typeof webhookId === 'string' ? webhookId : `request ${count}`;
    const attempt = (attemptsOf.get(key) ?? 0) + 1;
    attemptsOf.set(key, attempt);
    const status = attempt <= failFirst ? 500 : 200;
    const lines = [`#${count} ${new Date().toISOString()} ${req.method} ${req.url} -> ${status}`];
    for (const [name, value] of Object.entries(req.headers)) {
      if (name.startsWith('webhook-') || name === 'content-type' || name === 'user-agent') lines.push(`  ${name}: ${String(value)}`);
    }
    // The scheme only: the credentials are the receiver's own secret.
    if (req.headers.authorization) lines.push(`  authorization: ${req.headers.authorization.split(' ')[0]} (credentials hidden)`);
    lines.push(`  ${Buffer.concat(chunks).toString('utf8').replace(/\n/g, '\n  ')}`);
    process.stdout.write(`${lines.join('\n')}\n`);
    res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok\n' : 'failing on purpose (--fail)\n');
  });
});

server.on('error', (error) => {
  process.stderr.write(`receiver: ${error.message}\n`);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => {
  const where = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  process.stdout.write(
    `receiver listening on ${where}` +
      (failFirst > 0 ? `, answering 500 to the first ${failFirst} attempts of each delivery` : '') +
      ' (Ctrl-C to stop)\n',
  );
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  });
}
