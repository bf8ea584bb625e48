import './jitless-zod';
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { RouterProvider } from 'react-router';
import { errorCodeOf } from './api/errors';
import { session } from './api/session';
import { router } from './routes';
import { toast } from './ui/toast';
import './styles.css';

declare module '@tanstack/react-query' {
  interface Register {
    /** `success`: the toast shown once the mutation went through */
    mutationMeta: { success?: string };
  }
}

/** A token the server no longer accepts (revoked, expired) ends the session: sign in again. */
const signOutWhenRefused = (error: unknown) => {
  if (errorCodeOf(error) === 'UNAUTHORIZED' && session.get()) session.signOut();
};

const queryClient = new QueryClient({
  queryCache: new QueryCache({ onError: signOutWhenRefused }),
  mutationCache: new MutationCache({
    onError: signOutWhenRefused,
    onSuccess: (_data, _variables, _context, mutation) => {
      if (mutation.meta?.success) toast(mutation.meta.success);
    },
  }),
  defaultOptions: { queries: { retry: false, refetchOnWindowFocus: false, staleTime: 5_000 } },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  </StrictMode>,
);
