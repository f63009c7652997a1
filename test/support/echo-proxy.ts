/**
 * A Secrets Manager endpoint in front of the emulator that refuses
 * PutSecretValue with an error quoting the whole request, new value and all:
 * the worst an AWS error text can do. Every other call passes through.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
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
    forward(target, req, body, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    refused,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Sends the request on to `target`; `onAnswer` may take the answer over, else it is passed back as it came. */
export function forward(
  target: URL, req: IncomingMessage, body: string, res: ServerResponse,
  onAnswer?: (answer: IncomingMessage) => boolean,
): void {
  const upstream = request({
    host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers,
  }, (answer) => {
    if (onAnswer?.(answer)) return;
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', () => res.destroy());
  upstream.end(body);
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
