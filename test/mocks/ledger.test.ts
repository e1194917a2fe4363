import { describe, expect, it } from 'vitest';
import { DuplicateLedger, hashKey } from '../../mock-providers/index.ts';

describe('duplicate ledger', () => {
  it('keeps accepted and delivered apart and lists offenders, worst first', () => {
    const ledger = new DuplicateLedger(16);
    ledger.record('010-1', 'hello', null, true);
    for (let i = 0; i < 5; i++) ledger.record('010-2', 'hello', null, true);
    ledger.record('010-3', 'hello', 'k1', true);
    ledger.record('010-3', 'hello', 'k1', false); // deduplicated repeat: accepted, not delivered
    ledger.record('010-1', 'other', null, true); // other content: not a duplicate
    expect(ledger.lookup('010-2', 'hello', null)).toEqual({ accepted: 5, delivered: 5 });
    expect(ledger.lookup('010-3', 'hello', 'k1')).toEqual({ accepted: 2, delivered: 1 });
    expect(ledger.lookup('nobody', 'hello', null)).toEqual({ accepted: 0, delivered: 0 });
    expect(ledger.summary()).toEqual({
      keys: 4,
      duplicates: 1,
      duplicateDeliveries: 4,
      acceptedTwice: 2,
      deliveriesPerRecipient: { '1': 3, '5': 1 },
    });
    expect(ledger.offenderList()).toEqual([
      { recipient: '010-2', accepted: 5, delivered: 5 },
      { recipient: '010-3', accepted: 2, delivered: 1 },
    ]);
  });

  it('survives growth with every count intact', () => {
    const ledger = new DuplicateLedger(16);
    for (let i = 0; i < 50_000; i++) ledger.record(`r${i}`, 'c', null, true);
    for (let i = 0; i < 50_000; i += 1000) ledger.record(`r${i}`, 'c', null, true);
    expect(ledger.keys).toBe(50_000);
    expect(ledger.summary().duplicates).toBe(50);
    expect(ledger.lookup('r1000', 'c', null)).toEqual({ accepted: 2, delivered: 2 });
    expect(ledger.offenderList(1000)).toHaveLength(50);
    // 16 bytes a slot, at most 75% full.
    expect(ledger.bytes / ledger.keys).toBeLessThan(16 / 0.375);
  });

  it('separates key parts and tells a missing client key from an empty one', () => {
    expect(hashKey(['ab', 'c', null])).not.toEqual(hashKey(['a', 'bc', null]));
    expect(hashKey(['a', 'b', null])).not.toEqual(hashKey(['a', 'b', '']));
    expect(hashKey(['a', 'b', 'k'])).toEqual(hashKey(['a', 'b', 'k']));
  });

  it('clears', () => {
    const ledger = new DuplicateLedger();
    ledger.record('a', 'b', null, true);
    ledger.record('a', 'b', null, true);
    ledger.clear();
    expect([ledger.keys, ledger.offenderList().length]).toEqual([0, 0]);
  });
});
