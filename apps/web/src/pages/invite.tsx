/**
 * An invitation's link (`/invite/<token>`): shows the org and the role, then lets a new person
 * create their account, or a signed-in user join, and lands them in the org.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { session, useSession } from '../api/session';
import { api } from '../api/trpc';
import { useForm } from '../ui/forms';
import { NewPasswordFields } from '../ui/new-password';
import { Button, Card, ErrorNotice, Field, when } from '../ui/kit';

type Preview = Awaited<ReturnType<typeof api.invitations.preview.mutate>>['invitation'];

export function InvitePage() {
  const token = useParams().token ?? '';
  // the preview is a POST (the token stays out of URLs the server logs) that changes nothing
  const preview = useQuery({ queryKey: ['invitation-preview', token], queryFn: () => api.invitations.preview.mutate({ token }), retry: false });
  const invitation = preview.data?.invitation;
  return (
    <div className="mx-auto mt-10 max-w-md">
      <Card title="Join an organization">
        <ErrorNotice error={preview.error} />
        {invitation && <Invitation invitation={invitation} token={token} />}
      </Card>
    </div>
  );
}

function Invitation({ invitation, token }: { invitation: Preview; token: string }) {
  const signedIn = useSession();
  const orgName = invitation.org.display_name || invitation.org.name;
  return (
    <div className="space-y-4">
      <p className="text-sm text-slate-700" data-testid="invitation-summary">
        {invitation.invited_by ? `${invitation.invited_by} invites you` : 'You are invited'} to join <strong>{orgName}</strong> as{' '}
        <strong>{invitation.role}</strong>.
      </p>
      <p className="text-xs text-slate-500">This link works once, until {when(invitation.expires_at)}.</p>
      {signedIn ? <JoinAsMe token={token} orgName={orgName} email={signedIn.user.email} /> : <CreateAccount invitation={invitation} token={token} />}
    </div>
  );
}

/** After joining: the org's page, with the org list refetched so that it appears there too. */
function useLandInOrg() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  return (org: { name: string }) => {
    void queryClient.invalidateQueries();
    void navigate(`/orgs/${org.name}`);
  };
}

function JoinAsMe({ token, orgName, email }: { token: string; orgName: string; email: string }) {
  const land = useLandInOrg();
  const join = useMutation({
    meta: { success: `You joined ${orgName}` },
    mutationFn: () => api.invitations.accept.mutate({ token }),
    onSuccess: ({ org }) => land(org),
  });
  return (
    <div className="space-y-3">
      <p className="text-sm text-slate-700">You are signed in as {email}.</p>
      <ErrorNotice error={join.error} />
      <Button kind="primary" busy={join.isPending} onClick={() => join.mutate()}>
        Join {orgName}
      </Button>
    </div>
  );
}

function CreateAccount({ invitation, token }: { invitation: Preview; token: string }) {
  const land = useLandInOrg();
  const form = useForm({ name: '', email: invitation.email ?? '', password: '', repeat: '' });
  const [mismatch, setMismatch] = useState(false);
  const accept = useMutation({
    mutationFn: () => api.invitations.accept.mutate({ token, name: form.values.name, password: form.values.password, email: form.values.email }),
    onSuccess: ({ org, user, access_token, refresh_token, expires_at }) => {
      if (access_token && refresh_token && expires_at) session.signIn({ access_token, refresh_token, expires_at, user });
      land(org);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const differs = form.values.password !== form.values.repeat;
    setMismatch(differs);
    if (!differs) accept.mutate();
  };
  return (
    <form className="space-y-4" onSubmit={submit}>
      <Field label="Your name">
        <input className="input" autoComplete="name" required {...form.bind('name')} />
      </Field>
      <Field label="Email" hint={invitation.email ? 'The invitation is for this address.' : undefined}>
        <input className="input" type="email" autoComplete="username" required readOnly={Boolean(invitation.email)} {...form.bind('email')} />
      </Field>
      <NewPasswordFields form={form} label="Password" minLength={8} mismatch={mismatch} />
      <ErrorNotice error={accept.error} />
      <Button kind="primary" type="submit" busy={accept.isPending}>
        Create account and join
      </Button>
      <p className="text-sm text-slate-600">
        Already have an account?{' '}
        <Link className="font-medium text-indigo-700 hover:underline" to={`/signin?next=${encodeURIComponent(`/invite/${token}`)}`}>
          Sign in
        </Link>{' '}
        to join with it.
      </p>
    </form>
  );
}
