import { describe } from 'vitest';
import { createMemoryChatStore } from '../../src/server/chat/chat-store';
import { createMemoryClassDirectory } from '../../src/server/classes/class-directory';
import { storageContract } from './contract';

describe('memory storage', () => {
  storageContract(() => ({
    classes: () => createMemoryClassDirectory(),
    chat: (now) => createMemoryChatStore(now),
  }));
});
