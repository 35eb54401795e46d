import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_DIRECTORY, DEMO_EXPERT_IDS } from './demo-directory.js';
import { loadDirectory } from './directory.module.js';

/**
 * Issue 22: demo mode with a DIRECTORY_FILE of one's own silently had no demo expert (nobody took
 * what nobody answered); now the start stops with one line saying what to add.
 */
describe('demo mode with a DIRECTORY_FILE of its own', () => {
  let dir: string;
  const file = (people: unknown[]) => {
    const path = join(dir, 'people.json');
    writeFileSync(path, JSON.stringify({ people }));
    return path;
  };
  const demoPerson = (id: string) => DEMO_DIRECTORY.people.find((person) => person.id === id)!;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'demo-directory-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('starts when the demo expert is an expert of that directory', () => {
    expect(DEMO_EXPERT_IDS).toEqual(['dana']);
    const path = file([demoPerson('tom'), demoPerson('dana')]);
    expect(loadDirectory(path, { demoMode: true }).find('dana')?.roles).toEqual(['expert']);
  });

  it('says in one line that the demo expert is missing, and what to do', () => {
    const path = file([demoPerson('tom'), demoPerson('erika')]);
    expect(() => loadDirectory(path, { demoMode: true })).toThrow(
      new RegExp(
        `^DIRECTORY_FILE ${path}: demo mode needs its demo expert "dana" here \\(an expert who takes what nobody answered\\): add them, or unset DIRECTORY_FILE for the demo directory$`,
      ),
    );
  });

  it('says so when the demo expert is there but no expert', () => {
    const path = file([demoPerson('tom'), { ...demoPerson('dana'), roles: ['technician'] }]);
    expect(() => loadDirectory(path, { demoMode: true })).toThrow(
      /"dana" is not an expert here \(roles: technician\)/,
    );
  });

  it('asks nothing of a production directory', () => {
    const path = file([demoPerson('tom'), demoPerson('erika')]);
    expect(loadDirectory(path, { demoMode: false }).find('dana')).toBeUndefined();
    expect(loadDirectory(path).find('dana')).toBeUndefined();
  });
});
