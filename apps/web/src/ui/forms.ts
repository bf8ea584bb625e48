/** Form state that survives a failed submission: it is cleared only when the API accepted it. */
import { useState } from 'react';

export function useForm<T extends Record<string, string>>(initial: T) {
  const [values, setValues] = useState(initial);
  return {
    values,
    bind: (name: keyof T) => ({
      name: String(name),
      value: values[name],
      onChange: (e: { target: { value: string } }) => setValues((v) => ({ ...v, [name]: e.target.value })),
    }),
    set: (next: T) => setValues(next),
    reset: () => setValues(initial),
  };
}
