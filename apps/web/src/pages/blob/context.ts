/** What a blob's layout hands to the pages under it, in a module of its own so those pages do not import the layout that routes to them. */
import { useOutletContext } from 'react-router';
import type { ApiOutputs } from '../../api/trpc';

export type Blob = ApiOutputs['blobByName']['getByName']['blob'];

export interface BlobContext {
  org: string;
  blob: Blob;
  /** where this blob's pages live: /orgs/:org/blobs/:blob */
  base: string;
}

export const useBlob = () => useOutletContext<BlobContext>();
