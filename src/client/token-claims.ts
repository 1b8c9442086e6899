import type { Role } from '../protocol/schemas';

const roles: readonly Role[] = ['tutor', 'student', 'admin'];

/**
 * The role a join token claims, read without verifying it: only a hint for the page (open the
 * camera while the server checks the link). The server verifies the token and decides the role.
 */
export function claimedRole(token: string): Role | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '='));
    const role = (JSON.parse(json) as { role?: unknown }).role;
    return roles.includes(role as Role) ? (role as Role) : null;
  } catch {
    return null;
  }
}
