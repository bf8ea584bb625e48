/** A blob's header and its tabs; the tabs past Revisions and Metadata depend on the blob type. */
import { useQuery } from '@tanstack/react-query';
import { Link, Outlet, useParams } from 'react-router';
import { queries } from '../../api/trpc';
import { Badge, ErrorNotice, PageTitle } from '../../ui/kit';
import { Tabs } from '../../ui/tabs';
import type { BlobContext } from './context';
import { tabsOfBlobType } from './tabs';

export function BlobLayout() {
  const { org, blob: name } = useParams() as { org: string; blob: string };
  const blob = useQuery(queries.blobByName.getByName.queryOptions({ org, blob: name }));
  const base = `/orgs/${org}/blobs/${name}`;
  if (!blob.data) return <ErrorNotice error={blob.error} />;
  const { blob: data } = blob.data;
  return (
    <div>
      <p className="mb-1 text-sm text-slate-500">
        <Link className="hover:underline" to={`/orgs/${org}`}>
          {org}
        </Link>{' '}
        /
      </p>
      <PageTitle
        sub={
          <span className="flex items-center gap-2">
            <span>{data.type}</span>
            <Badge value={data.visibility} />
            {data.description && <span>· {data.description}</span>}
          </span>
        }
      >
        {data.name}
      </PageTitle>
      <Tabs
        tabs={[
          { to: base, label: 'Revisions', end: true },
          { to: `${base}/metadata`, label: 'Metadata' },
          ...tabsOfBlobType(data.type).map((tab) => ({ ...tab, to: `${base}/${tab.to}` })),
        ]}
      />
      <Outlet context={{ org, blob: data, base } satisfies BlobContext} />
    </div>
  );
}
