/** First start: the link printed by the server sets the instance admin's password. */
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { session } from '../api/session';
import { api } from '../api/trpc';
import { useForm } from '../ui/forms';
import { NewPasswordFields } from '../ui/new-password';
import { Button, Card, ErrorNotice } from '../ui/kit';

export function SetupPage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const navigate = useNavigate();
  const form = useForm({ password: '', repeat: '' });
  const [mismatch, setMismatch] = useState(false);
  const setup = useMutation({
    mutationFn: () => api.auth.setup.mutate({ token, password: form.values.password }),
    onSuccess: (signedIn) => {
      session.signIn(signedIn);
      void navigate('/');
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const differs = form.values.password !== form.values.repeat;
    setMismatch(differs);
    if (!differs) setup.mutate();
  };
  return (
    <div className="mx-auto mt-10 max-w-md">
      <Card title="Set up BlobHub">
        <p className="mb-4 text-sm text-slate-600">Choose the password of the instance admin. This link works once.</p>
        {!token ? (
          <p role="alert" className="text-sm text-red-700">
            This page needs the set-up link printed by the server at its first start.
          </p>
        ) : (
          <form className="space-y-4" onSubmit={submit}>
            <NewPasswordFields form={form} label="New password" mismatch={mismatch} />
            <ErrorNotice error={setup.error} />
            <Button kind="primary" type="submit" busy={setup.isPending}>
              Set password and sign in
            </Button>
          </form>
        )}
      </Card>
    </div>
  );
}
