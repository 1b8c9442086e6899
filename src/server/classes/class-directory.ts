import { randomBytes } from 'node:crypto';

/** A class as the home page and the links know it. */
export interface ClassRecord {
  id: string;
  title: string;
  tutorId: string;
  tutorName: string;
  createdAt: string;
  endedAt: string | null;
  /** The tutor expects a large class: it starts on the media server (when there is one), whatever its size. */
  largeClass: boolean;
}

export interface NewClass {
  title: string;
  tutorId: string;
  tutorName: string;
  largeClass?: boolean;
}

/** Where classes are kept; the database-backed one replaces this without changing callers. */
export interface ClassDirectory {
  create(input: NewClass): Promise<ClassRecord>;
  get(id: string): Promise<ClassRecord | undefined>;
  listByTutor(tutorId: string, limit?: number): Promise<ClassRecord[]>;
}

export const newClassId = () => randomBytes(9).toString('base64url');
export const newUserId = () => randomBytes(12).toString('base64url');

export function createMemoryClassDirectory(): ClassDirectory {
  const classes = new Map<string, ClassRecord>();
  return {
    async create(input) {
      const record: ClassRecord = { id: newClassId(), ...input, largeClass: input.largeClass ?? false, createdAt: new Date().toISOString(), endedAt: null };
      classes.set(record.id, record);
      return record;
    },
    async get(id) {
      return classes.get(id);
    },
    async listByTutor(tutorId, limit = 20) {
      return [...classes.values()]
        .filter((c) => c.tutorId === tutorId)
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
        .slice(0, limit);
    },
  };
}
