/**
 * The page's content security policy allows no eval (http/security-headers.ts). Zod would probe
 * for it (`new Function('')`) before its first object parse, and Chromium reports that probe as a
 * CSP violation; jitless, zod never tries. Imported first by main.tsx, before any schema runs.
 */
import { config } from 'zod';

config({ jitless: true });
