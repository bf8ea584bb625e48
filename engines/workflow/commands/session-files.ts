/**
 * Session file commands. Bytes travel raw (engines/workflow/http.ts: octet-stream body with the
 * command in X-Request-Body, as blobhub-worker sends them); over JSON a client may upload small
 * files base64-encoded and download through a signed URL (presigned on S3).
 */
import { z } from 'zod';
import { defineCommand } from '../../../core/engines';
import { badRequest } from '../../../core/errors';
import { idOf } from '../../../core/schemas';
import { fileMeta, findSessionFile, signSessionFileDownload, toSessionObjectWire, uploadSessionFile } from '../session-files';
import { objectAlias, sessionScope } from './sessions';

export const sessionFileInput = z.object({ session_id: idOf('session'), alias: objectAlias, ...fileMeta });

export const sessionFileCommands = {
  upload_session_file: defineCommand({
    kind: 'command',
    input: sessionFileInput.extend({ content_base64: z.base64().optional() }),
    async run(ctx, input) {
      if (input.content_base64 === undefined) {
        throw badRequest('send the file as an application/octet-stream body with this command as JSON in the X-Request-Body header, or as content_base64');
      }
      const scope = await sessionScope(ctx, input.session_id);
      const row = await uploadSessionFile(ctx.app, scope, input, [Buffer.from(input.content_base64, 'base64')]);
      return { object: toSessionObjectWire(ctx.revision.id, row) };
    },
  }),
  download_session_file: defineCommand({
    kind: 'query',
    input: z.object({ session_id: idOf('session'), alias: objectAlias }),
    async run(ctx, { session_id, alias }) {
      await sessionScope(ctx, session_id);
      const { object, file } = await findSessionFile(ctx.app, session_id, alias);
      return { object: toSessionObjectWire(ctx.revision.id, object), download: await signSessionFileDownload(ctx.app, file.storageKey) };
    },
  }),
};
