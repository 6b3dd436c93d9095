import { createMemoryEventStore } from '../../src/store/memory-store.js';
import { describeEventStoreConformance } from './conformance.js';

describeEventStoreConformance('memory', {
  async create() {
    return createMemoryEventStore();
  },
});
