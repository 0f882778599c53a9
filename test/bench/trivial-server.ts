// The baseline: a trivial Node HTTP server that reads the body and answers 202 with a small JSON.
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 0);
let n = 0;
createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const body = JSON.stringify({ id: `evt_${++n}`, status: 'RECEIVED', duplicate: false });
    res.writeHead(req.url === '/healthz' ? 200 : 202, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
}).listen(port, '127.0.0.1');
