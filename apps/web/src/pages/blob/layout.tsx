/** A blob's header and its tabs; the tabs past Revisions and Metadata depend on the blob type. */
import { useQuery } from '@tanstack/react-query';
import { Link, Outlet, useParams } from 'react-router';
import { queries } from '../../api/trpc';
import { useFullScreen } from '../../ui/full-screen';
import { Badge, ErrorNotice, PageTitle } from '../../ui/kit';
import { Tabs } from '../../ui/tabs';
import type { BlobContext } from './context';
import { tabsOfBlobType } from './tabs';

export function BlobLayout() {
  const { org, blob: name } = useParams() as { org: string; blob: string };
  const blob = useQuery(queries.blobByName.getByName.queryOptions({ org, blob: name }));
  const base = `/orgs/${org}/blobs/${name}`;
  const fullScreen = useFullScreen();
  if (!blob.data) return <ErrorNotice error={blob.error} />;
  const { blob: data } = blob.data;
  const tabs = [
    { to: base, label: 'Revisions', end: true },
    { to: `${base}/metadata`, label: 'Metadata' },
    ...tabsOfBlobType(data.type).map((tab) => ({ ...tab, to: `${base}/${tab.to}` })),
  ];
  const context = { org, blob: data, base } satisfies BlobContext;
  if (fullScreen) {
    // one line of heading and tabs, the rest of the window for the page
    return (
      <div className="lg:flex lg:min-h-0 lg:flex-1 lg:flex-col">
        <div className="mb-3 flex flex-wrap items-end gap-x-6">
          <h1 className="pb-2 text-lg font-semibold text-slate-900">
            <Link className="font-normal text-slate-600 hover:underline" to={`/orgs/${org}`}>
              {org}
            </Link>{' '}
            / {data.name}
          </h1>
          <Tabs tabs={tabs} compact />
        </div>
        <Outlet context={context} />
      </div>
    );
  }
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
      <Tabs tabs={tabs} />
      <Outlet context={context} />
    </div>
  );
}
