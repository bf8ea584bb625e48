import { useMutation } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { session } from '../api/session';
import { api } from '../api/trpc';
import { useForm } from '../ui/forms';
import { Button, Card, ErrorNotice, Field } from '../ui/kit';

/** Where to go once signed in: `?next=` when it is a path of this app (never another site), else home. */
const nextPath = (next: string | null) => (next && /^\/(?![/\\])/.test(next) ? next : '/');

export function SignInPage() {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const form = useForm({ email: '', password: '' });
  const signIn = useMutation({
    mutationFn: () => api.auth.login.mutate(form.values),
    onSuccess: (signedIn) => {
      session.signIn(signedIn);
      void navigate(nextPath(params.get('next')));
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    signIn.mutate();
  };
  return (
    <div className="mx-auto mt-10 max-w-sm">
      <Card title="Sign in to BlobHub">
        <form className="space-y-4" onSubmit={submit}>
          <Field label="Email">
            <input className="input" type="email" autoComplete="username" required {...form.bind('email')} />
          </Field>
          <Field label="Password">
            <input className="input" type="password" autoComplete="current-password" required {...form.bind('password')} />
          </Field>
          <ErrorNotice error={signIn.error} />
          <Button kind="primary" type="submit" busy={signIn.isPending} className="w-full justify-center">
            Sign in
          </Button>
        </form>
      </Card>
    </div>
  );
}
