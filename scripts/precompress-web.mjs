/**
 * After `vite build`: a brotli (quality 11) and a gzip (level 9) copy beside each of the web app's
 * hashed assets, which the API serves as they are to a client that accepts them
 * (apps/api/web.ts). Compressing once at the highest levels makes the editor's scripts smaller
 * than on-the-fly compression, at no cost per request.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

const assets = path.resolve(import.meta.dirname, '../apps/web/dist/assets');
const compressible = /\.(js|css|svg|json|txt|map)$/;
const brotli = promisify(brotliCompress);
const gzipped = promisify(gzip);

for (const name of (await readdir(assets)).filter((n) => compressible.test(n))) {
  const file = path.join(assets, name);
  const body = await readFile(file);
  await writeFile(`${file}.br`, await brotli(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } }));
  await writeFile(`${file}.gz`, await gzipped(body, { level: 9 }));
}
