/**
 * Security headers of every response (helmet): no MIME sniffing, no referrer, never framed by
 * another site, and HSTS once the request came over TLS (itself or a proxy saying
 * `X-Forwarded-Proto: https`; browsers ignore HSTS over plain HTTP anyway). The content security
 * policy depends on the surface: the web app may load only its own scripts and call only this
 * server and the object store its uploads go to; Swagger UI (/docs) also runs its one inline
 * start-up script; JSON and text answers may load nothing at all.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import helmet from 'helmet';

type Surface = 'webApp' | 'docs' | 'api';

const self = "'self'";
const none = "'none'";

/** One year, subdomains included: what the HSTS preload list asks for. */
const HSTS_MAX_AGE_SECONDS = 365 * 24 * 3600;

/** `connectOrigins`: origins the web app calls besides its own (the public URL, the object store's public endpoint). */
export function securityHeaders(opts: { connectOrigins: string[] }) {
  const withPolicy = (directives: Record<string, string[]>) =>
    helmet({
      contentSecurityPolicy: { useDefaults: false, directives: { ...directives, frameAncestors: [none] } },
      // set below, only over TLS
      strictTransportSecurity: false,
      referrerPolicy: { policy: 'no-referrer' },
      xFrameOptions: { action: 'deny' },
    });
  const policies: Record<Surface, ReturnType<typeof helmet>> = {
    webApp: withPolicy({
      defaultSrc: [self],
      baseUri: [self],
      formAction: [self],
      objectSrc: [none],
      scriptSrc: [self],
      scriptSrcAttr: [none],
      // CodeMirror and React Flow add <style> elements at run time
      styleSrc: [self, "'unsafe-inline'"],
      imgSrc: [self, 'data:', 'blob:'],
      fontSrc: [self, 'data:'],
      connectSrc: [self, ...opts.connectOrigins],
    }),
    docs: withPolicy({ defaultSrc: [self], scriptSrc: [self, "'unsafe-inline'"], styleSrc: [self, "'unsafe-inline'"], imgSrc: [self, 'data:'] }),
    api: withPolicy({ defaultSrc: [none] }),
  };
  const hsts = helmet.strictTransportSecurity({ maxAge: HSTS_MAX_AGE_SECONDS, includeSubDomains: true });
  const next = () => {};

  return (req: IncomingMessage, res: ServerResponse, surface: Surface) => {
    policies[surface](req, res, next);
    if (cameOverTls(req)) hsts(req, res, next);
  };
}

function cameOverTls(req: IncomingMessage): boolean {
  if ((req.socket as TLSSocket).encrypted) return true;
  const forwarded = req.headers['x-forwarded-proto'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim().toLowerCase();
  return first === 'https';
}
