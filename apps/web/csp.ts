import { z } from 'zod';

// The content security policy forbids eval. Zod probes for it when a schema is built, so this must
// run before any schema module: main.tsx imports this file first.
z.config({ jitless: true });
