import { z } from 'zod';

/** The wire error codes of the contract; nothing else ever reaches a client. */
export const errorCodes = [
  'invalid_payload',
  'unauthorized',
  'forbidden',
  'not_in_session',
  'not_found',
  'rate_limited',
  'internal',
] as const;

export const ErrorCodeSchema = z.enum(errorCodes);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

export const WireErrorSchema = z.object({ code: ErrorCodeSchema, message: z.string() });
export type WireError = z.infer<typeof WireErrorSchema>;

export type AckOk<T extends object = object> = { ok: true } & T;
export type AckFail = { ok: false; error: WireError };
export type Ack<T extends object = object> = AckOk<T> | AckFail;
export type AckCallback<T extends object = object> = (response: Ack<T>) => void;
