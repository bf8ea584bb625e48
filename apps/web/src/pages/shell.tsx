/** The frame around every page: the top bar with who is signed in, the theme switch, and sign out. */
import { Link, Outlet, useNavigate } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { session, useSession } from '../api/session';
import { api } from '../api/trpc';
import { useFullScreen } from '../ui/full-screen';
import { Button } from '../ui/kit';
import { themeChoices, useTheme, type ThemeChoice } from '../ui/theme';
import { Toasts } from '../ui/toast';

export function Shell() {
  const current = useSession();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const fullScreen = useFullScreen();
  const signOut = () => {
    // Best effort: the refresh token is revoked on the server; signing out here never waits on it.
    if (current) api.auth.logout.mutate({ refresh_token: current.refresh_token }).catch(() => undefined);
    session.signOut();
    queryClient.clear();
    void navigate('/signin');
  };
  return (
    <div className={fullScreen ? 'min-h-screen lg:flex lg:h-dvh lg:flex-col' : 'min-h-screen'}>
      <header className="border-b border-slate-200 bg-white">
        <div className={`mx-auto flex min-h-14 ${fullScreen ? '' : 'max-w-6xl'} flex-wrap items-center justify-between gap-x-4 gap-y-2 px-4 py-2 sm:px-6`}>
          <Link to="/" className="flex items-center gap-2 font-semibold text-slate-900">
            <span className="grid size-7 place-items-center rounded-md bg-indigo-600 text-xs font-bold text-white">B</span>
            BlobHub
          </Link>
          <nav className="flex min-w-0 flex-wrap items-center gap-x-4 gap-y-2 text-sm">
            <a className="text-slate-600 hover:text-slate-900" href="/docs">
              API docs
            </a>
            <ThemeSwitch />
            {current ? (
              <>
                <span className="max-w-[12rem] truncate text-slate-600" data-testid="signed-in-as" title={current.user.email}>
                  {current.user.email}
                </span>
                <Button onClick={signOut}>Sign out</Button>
              </>
            ) : (
              <Link to="/signin" className="font-medium text-indigo-700 hover:underline">
                Sign in
              </Link>
            )}
          </nav>
        </div>
      </header>
      <main className={fullScreen ? 'px-3 py-3 lg:flex lg:min-h-0 lg:flex-1 lg:flex-col' : 'mx-auto max-w-6xl px-4 py-6 sm:px-6 sm:py-8'}>
        <Outlet />
      </main>
      <Toasts />
    </div>
  );
}

function ThemeSwitch() {
  const { choice, choose } = useTheme();
  return (
    <select className="input w-auto py-1" aria-label="Theme" value={choice} onChange={(e) => choose(e.target.value as ThemeChoice)}>
      {themeChoices.map((c) => (
        <option key={c} value={c}>
          {c === 'system' ? 'System theme' : c === 'light' ? 'Light' : 'Dark'}
        </option>
      ))}
    </select>
  );
}
