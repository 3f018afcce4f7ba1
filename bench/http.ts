/**
 * The benchmarks' GraphQL client: node:http over one keep-alive socket, as an application server
 * would call Relgraph. (fetch/undici costs ~0.8 ms of client CPU per request in the same process,
 * which an in-process benchmark would count against the server.)
 */
import { Agent, request } from "node:http";

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/** Closes the keep-alive socket (at the end of a run, so the process can exit). */
export function closeHttp(): void {
  agent.destroy();
}

/** POSTs a JSON body and resolves with the response text. */
export function post(url: URL, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
