/** A new password typed twice, as the set-up page and an invitation's new account ask for it. */
import { Field } from './kit';

interface PasswordForm {
  bind(name: 'password' | 'repeat'): { name: string; value: string; onChange: (e: { target: { value: string } }) => void };
}

/** The two password fields and, after a submit where they differed (`mismatch`), the alert that says so. */
export function NewPasswordFields({ form, label, minLength, mismatch }: { form: PasswordForm; label: string; minLength?: number; mismatch: boolean }) {
  return (
    <>
      <Field label={label} hint="At least 8 characters.">
        <input className="input" type="password" autoComplete="new-password" required minLength={minLength} {...form.bind('password')} />
      </Field>
      <Field label="Repeat the password">
        <input className="input" type="password" autoComplete="new-password" required {...form.bind('repeat')} />
      </Field>
      {mismatch && (
        <p role="alert" className="text-sm text-red-700">
          The two passwords differ.
        </p>
      )}
    </>
  );
}
