import { heldForOther, tellDemand, tookSlot, type Turns } from './slot-turns.js';

const until = 1_000_000;

/** Turns after each instance told `waiting`, at time 0. */
function told(waiting: Record<string, number>): Turns {
  const turns: Turns = { words: new Map() };
  for (const [instance, count] of Object.entries(waiting))
    tellDemand(turns, instance, count, until, 0);
  return turns;
}

/** Who takes each of `slots` slots when every instance asks for every one and turns are kept. */
function takers(turns: Turns, slots: number): string[] {
  const taken: string[] = [];
  for (let slot = 0; slot < slots; slot++) {
    const names = [...turns.words.keys()].filter((name) => turns.words.get(name)!.waiting > 0);
    const taker = names.find((name) => heldForOther(turns, name, 0, 0, 10) === 0);
    if (taker === undefined) break;
    tookSlot(turns, taker);
    taken.push(taker);
  }
  return taken;
}

describe('slot turns', () => {
  it('sums what the instances told and forgets a word past its time', () => {
    const turns: Turns = { words: new Map() };
    expect(tellDemand(turns, 'a', 3, 100, 0)).toBe(3);
    expect(tellDemand(turns, 'b', 2, 50, 0)).toBe(5);
    expect(tellDemand(turns, 'a', 4, 200, 60)).toBe(4);
    expect([...turns.words.keys()]).toEqual(['a']);
  });

  it('alternates between equal instances', () => {
    expect(takers(told({ a: 6, b: 6 }), 12).join('')).toMatch(/^(ab|ba)+$/);
  });

  it('shares in proportion to what waits: 3 to 1', () => {
    const taken = takers(told({ a: 30, b: 10 }), 20);
    expect(taken.filter((name) => name === 'a')).toHaveLength(15);
  });

  it('gives an instance with one request a turn within about eight slots, whatever waits elsewhere', () => {
    const taken = takers(told({ a: 200, b: 1 }), 12);
    expect(taken.indexOf('b')).toBeGreaterThanOrEqual(0);
    expect(taken.indexOf('b')).toBeLessThanOrEqual(9);
  });

  it('holds a free slot for the turn-holder for the grace only, and not when it has nothing waiting', () => {
    const turns = told({ a: 5, b: 5 });
    turns.turn = 'b';
    // Free since 95: a must wait for the grace (10 ms) to run out, b may take it at once.
    expect(heldForOther(turns, 'a', 100, 95, 10)).toBe(5);
    expect(heldForOther(turns, 'a', 105, 95, 10)).toBe(0);
    expect(heldForOther(turns, 'b', 100, 95, 10)).toBe(0);
    turns.words.get('b')!.waiting = 0;
    expect(heldForOther(turns, 'a', 100, 95, 10)).toBe(0);
  });
});
