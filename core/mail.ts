/**
 * E-mail the platform itself sends (invitations), through the SMTP server of BLOBHUB_SMTP_URL.
 * Without one nothing is sent and the caller shows the link instead.
 */
import { createTransport } from 'nodemailer';
import type { Config } from './config';
import { logger } from './log';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export const canSendMail = (config: Config) => Boolean(config.BLOBHUB_SMTP_URL);

/** Sends one e-mail; true once the SMTP server took it, false (logged, never thrown) when it did not. */
export async function sendMail(config: Config, mail: Mail): Promise<boolean> {
  if (!config.BLOBHUB_SMTP_URL) return false;
  const transport = createTransport(config.BLOBHUB_SMTP_URL);
  try {
    await transport.sendMail({ from: config.BLOBHUB_SMTP_FROM, ...mail });
    return true;
  } catch (error) {
    // the URL carries the SMTP credentials: log the failure's own words only
    logger.warn({ smtp_error: error instanceof Error ? error.message : String(error) }, 'mail: the SMTP server refused or could not be reached');
    return false;
  } finally {
    transport.close();
  }
}
