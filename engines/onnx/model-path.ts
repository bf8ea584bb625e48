import { z } from 'zod';

/** Relative file paths such as model.onnx or weights/encoder.onnx. */
export const modelPath = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, 'a relative path of letters, digits, . _ -')
  .refine((p) => !p.split('/').includes('..'), 'no .. segments');
