/** login / logout / whoami: profiles in the credentials file shared with the Python SDK. */
import { input, password } from '@inquirer/prompts';
import type { Command } from 'commander';
import { text } from 'node:stream/consumers';
import {
  BlobHub,
  BlobHubError,
  credentialsPath,
  DEFAULT_API_URL,
  readCredentials,
  removeProfile,
  resolveConnection,
  saveProfile,
  useProfile,
} from '../../../sdk';
import { withContext } from '../context';
import { UsageError } from '../exit-codes';

interface LoginOptions {
  url?: string;
  apiKeyStdin?: boolean;
  input: boolean;
}

async function askLogin(opts: LoginOptions): Promise<{ url: string; key: string }> {
  const interactive = opts.input && process.stdin.isTTY;
  let url = opts.url ?? process.env.BLOBHUB_API_URL;
  let key = opts.apiKeyStdin ? (await text(process.stdin)).trim() : process.env.BLOBHUB_API_KEY;
  if (!url && interactive) url = await input({ message: 'BlobHub API URL', default: DEFAULT_API_URL });
  if (!key && interactive) key = await password({ message: 'API key (bhk_…)', mask: '*' });
  if (!key) throw new UsageError('no API key: pass it on stdin with --api-key-stdin, set BLOBHUB_API_KEY, or run login in a terminal');
  url = (url ?? DEFAULT_API_URL).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+/.test(url)) throw new UsageError(`--url must be an http(s) URL such as ${DEFAULT_API_URL}, not ${url}`);
  return { url: /\/v1$/.test(url) ? url : `${url}/v1`, key };
}

export function registerAuth(program: Command) {
  program
    .command('login')
    .description('verify an API key and save it as a profile (the default one) in the credentials file')
    .option('--url <url>', `API URL including /v1 (default ${DEFAULT_API_URL}, or BLOBHUB_API_URL)`)
    .option('--api-key-stdin', 'read the API key from standard input')
    .option('--no-input', 'never prompt; fail when something is missing')
    .action(
      withContext(async (ctx, opts: LoginOptions) => {
        const { url, key } = await askLogin(opts);
        const profile = ctx.options.profile ?? process.env.BLOBHUB_PROFILE ?? 'default';
        const me = await new BlobHub({ url, apiKey: key }).whoami().catch((error: unknown) => {
          if (error instanceof BlobHubError && error.code === 'unauthenticated') throw new BlobHubError('unauthenticated', `${url} refused this API key`);
          throw error;
        });
        saveProfile(profile, { key, url });
        ctx.out.result({ profile, url, user: me, credentials: credentialsPath() }, () =>
          console.log(`Logged in to ${url} as ${me.name} <${me.email}>; profile ${profile} saved in ${credentialsPath()}`),
        );
      }),
    );

  program
    .command('whoami')
    .description('show who the current credential signs in as')
    .action(
      withContext(async (ctx) => {
        const me = await ctx.hub.whoami();
        const { source } = resolveConnection({ profile: ctx.options.profile });
        ctx.out.result({ ...me, url: ctx.hub.url, source }, () => ctx.out.fields({ ...me, url: ctx.hub.url, credential: source }));
      }),
    );

  program
    .command('logout')
    .description('forget the selected profile (--profile, BLOBHUB_PROFILE, else the default)')
    .action(
      withContext(async (ctx) => {
        const name = ctx.options.profile ?? process.env.BLOBHUB_PROFILE ?? readCredentials().default;
        if (!name) throw new UsageError(`no profile is selected and ${credentialsPath()} has no default`);
        removeProfile(name);
        ctx.out.result({ profile: name }, () => console.log(`Removed profile ${name} from ${credentialsPath()}`));
      }),
    );

  const profile = program.command('profile').description('profiles in the credentials file');
  profile
    .command('ls')
    .description('the saved profiles (keys are never shown)')
    .action(
      withContext(async (ctx) => {
        const file = readCredentials();
        const rows = Object.entries(file.profiles).map(([name, p]) => ({ name, url: p.url, default: name === file.default }));
        ctx.out.result({ default: file.default ?? null, profiles: rows }, () =>
          ctx.out.table(rows, [
            ['', (r) => (r.default ? '*' : '')],
            ['PROFILE', (r) => r.name],
            ['URL', (r) => r.url],
          ]),
        );
      }),
    );
  profile
    .command('use <name>')
    .description('make a saved profile the default')
    .action(
      withContext(async (ctx, name: string) => {
        useProfile(name);
        ctx.out.result({ default: name }, () => console.log(`Profile ${name} is now the default`));
      }),
    );
}
