// compression is Express middleware by name only: it reads and patches node's own request and
// response (headers, write, end), which is how routes.ts uses it. @types/compression would ask
// for Express's Request.
declare module 'compression' {
  import type { IncomingMessage, ServerResponse } from 'node:http';
  export default function compression(): (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
}
