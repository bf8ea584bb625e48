import type { Db } from '../db/client';
import { users } from '../db/schema';
import { hashPassword } from './crypto';
import { conflict } from './errors';
import { newId } from './ids';

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
