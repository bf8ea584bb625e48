import { useQuery } from '@tanstack/react-query';
import { Outlet, useParams } from 'react-router';
import { useSession } from '../../api/session';
import { queries } from '../../api/trpc';
import { ErrorNotice, PageTitle } from '../../ui/kit';
import { Tabs } from '../../ui/tabs';

export const useOrgName = () => useParams().org!;

export function OrgLayout() {
  const name = useOrgName();
  const signedIn = Boolean(useSession());
  const org = useQuery({ ...queries.orgs.get.queryOptions({ org_id: name }), enabled: signedIn });
  const base = `/orgs/${name}`;
  return (
    <div>
      <PageTitle sub={org.data?.org.description ?? (signedIn ? undefined : 'Public blobs of this organization.')}>
        {org.data?.org.display_name || name}
      </PageTitle>
      <ErrorNotice error={org.error} />
      {signedIn && (
        <Tabs
          tabs={[
            { to: base, label: 'Blobs', end: true },
            { to: `${base}/members`, label: 'Members' },
            { to: `${base}/keys`, label: 'API keys' },
            { to: `${base}/credentials`, label: 'Credentials' },
            { to: `${base}/settings`, label: 'Settings' },
            { to: `${base}/audit`, label: 'Audit log' },
          ]}
        />
      )}
      <Outlet />
    </div>
  );
}
