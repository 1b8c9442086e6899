import { browser } from './browser';
import { capacity } from './capacity';
import { chat } from './chat';
import { cluster } from './cluster';
import { fanout } from './fanout';
import { join } from './join';
import { largeClass } from './large-class';
import type { Scenario } from './types';

/** The scenarios, in the order they run. A new one is a file in this folder exporting a `Scenario`, added here. */
export const scenarios: Scenario[] = [join, fanout, capacity, chat, browser, cluster, largeClass];
