import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { claimedRole } from '../../src/client/token-claims';

const token = (claims: Record<string, unknown>) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('u1').sign(new TextEncoder().encode('a-secret-of-sixteen+'));

describe('claimedRole (a hint for the page, not a check)', () => {
  it('reads the role a join token claims', async () => {
    expect(claimedRole(await token({ role: 'student', sessionId: 'c1', name: 'Amy' }))).toBe('student');
    expect(claimedRole(await token({ role: 'tutor', sessionId: 'c1', name: 'Ada' }))).toBe('tutor');
    expect(claimedRole(await token({ role: 'admin', sessionId: '*', name: 'Root' }))).toBe('admin');
  });

  it('reads names outside ASCII and base64url padding alike', async () => {
    for (const name of ['Zoë', 'Łukasz', '李', 'a', 'ab', 'abc']) {
      expect(claimedRole(await token({ role: 'student', sessionId: 'c1', name }))).toBe('student');
    }
  });

  it('says nothing for a token it cannot read or a role it does not know', async () => {
    expect(claimedRole('')).toBeNull();
    expect(claimedRole('not-a-token')).toBeNull();
    expect(claimedRole('a.%%%.c')).toBeNull();
    expect(claimedRole(await token({ role: 'owner' }))).toBeNull();
    expect(claimedRole(await token({ sessionId: 'c1' }))).toBeNull();
  });
});
