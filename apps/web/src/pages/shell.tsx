/** The frame around every page: the top bar with who is signed in, and sign out. */
import { Link, Outlet, useNavigate } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { session, useSession } from '../api/session';
import { api } from '../api/trpc';
import { Button } from '../ui/kit';

export function Shell() {
  const current = useSession();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const signOut = () => {
    // Best effort: the refresh token is revoked on the server; signing out here never waits on it.
    if (current) api.auth.logout.mutate({ refresh_token: current.refresh_token }).catch(() => undefined);
    session.signOut();
    queryClient.clear();
    void navigate('/signin');
  };
  return (
    <div className="min-h-screen">
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex h-14 max-w-6xl items-center justify-between px-6">
          <Link to="/" className="flex items-center gap-2 font-semibold text-slate-900">
            <span className="grid size-7 place-items-center rounded-md bg-indigo-600 text-xs font-bold text-white">B</span>
            BlobHub
          </Link>
          <nav className="flex items-center gap-4 text-sm">
            <a className="text-slate-600 hover:text-slate-900" href="/docs">
              API docs
            </a>
            {current ? (
              <>
                <span className="text-slate-600" data-testid="signed-in-as">
                  {current.user.email}
                </span>
                <Button onClick={signOut}>Sign out</Button>
              </>
            ) : (
              <Link to="/signin" className="font-medium text-indigo-600 hover:underline">
                Sign in
              </Link>
            )}
          </nav>
        </div>
      </header>
      <main className="mx-auto max-w-6xl px-6 py-8">
        <Outlet />
      </main>
    </div>
  );
}
