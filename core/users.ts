/** Users: creation, lookup, and the password check of signing in. */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client';
import { users } from '../db/schema';
import { hashPassword, verifyPassword } from './crypto';
import { actsAsInstanceAdmin, type Caller } from './access';
import type { Config } from './config';
import { conflict, forbidden, notFound, unauthenticated } from './errors';
import { newId } from './ids';
import { isoDate } from './schemas';

export type UserRow = typeof users.$inferSelect;

export async function createUser(db: Db, input: { email: string; name: string; password: string; isInstanceAdmin?: boolean }) {
  const [row] = await db
    .insert(users)
    .values({
      id: newId('user'),
      email: input.email.toLowerCase(),
      name: input.name,
      passwordHash: await hashPassword(input.password),
      isInstanceAdmin: input.isInstanceAdmin ?? false,
    })
    .onConflictDoNothing({ target: users.email })
    .returning();
  if (!row) throw conflict('a user with this email already exists');
  return row;
}

/** A user created through the API: by an instance admin, or by anyone when sign-up is open. */
export function signUpUser(db: Db, config: Config, caller: Caller, input: { email: string; name: string; password: string }) {
  if (!actsAsInstanceAdmin(caller) && !config.BLOBHUB_OPEN_SIGNUP) throw forbidden('only an instance admin can create users');
  return createUser(db, input);
}

export async function requireUser(db: Db, id: string): Promise<UserRow> {
  const [user] = await db.select().from(users).where(eq(users.id, id));
  if (!user) throw notFound('user');
  return user;
}

/** The user with this email and password; the same refusal either way, so that it reveals no email. */
export async function userWithPassword(db: Db, email: string, password: string): Promise<UserRow> {
  const [user] = await db.select().from(users).where(eq(users.email, email.toLowerCase()));
  if (!user || !(await verifyPassword(password, user.passwordHash))) throw unauthenticated('wrong email or password');
  return user;
}

/** A user as the API shows one. */
export const userWire = z.object({ id: z.string(), email: z.string(), name: z.string(), is_instance_admin: z.boolean(), created_at: isoDate });
export const toUserWire = (u: typeof users.$inferSelect) => ({
  id: u.id,
  email: u.email,
  name: u.name,
  is_instance_admin: u.isInstanceAdmin,
  created_at: u.createdAt.toISOString(),
});
