/**
 * A Secrets Manager endpoint in front of the emulator that refuses
 * PutSecretValue with an error quoting the whole request, new value and all:
 * the worst an AWS error text can do. Every other call passes through.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EchoProxy {
  url: string;
  /** Bodies of the PutSecretValue requests it refused. */
  refused: string[];
  close(): Promise<void>;
}

export async function startEchoProxy(upstream: string): Promise<EchoProxy> {
  const target = new URL(upstream);
  const refused: string[] = [];
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    if (req.headers['x-amz-target'] === 'secretsmanager.PutSecretValue') {
      refused.push(body);
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ __type: 'InvalidRequestException', message: `You can't put this request: ${body}` }));
      return;
    }
    const forward = request({
      host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers,
    }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.destroy());
    forward.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    refused,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
