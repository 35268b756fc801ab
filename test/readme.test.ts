import * as fs from 'fs';
import * as path from 'path';

/**
 * README examples compile: every ```ts block in README.md must appear verbatim in a file under
 * examples/readme/, which the typecheck task compiles against the real API.
 */
const ROOT = path.join(__dirname, '..');
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf-8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1].trim());
const sources = fs.readdirSync(path.join(ROOT, 'examples', 'readme'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => fs.readFileSync(path.join(ROOT, 'examples', 'readme', f), 'utf-8'));

describe('README examples', () => {
  test('the README has TypeScript examples', () => {
    expect(blocks.length).toBeGreaterThan(0);
  });

  test.each(blocks.map((b) => [b.split('\n')[0], b]))('compiled example: %s', (_title, block) => {
    expect(sources.some((source) => source.includes(block))).toBe(true);
  });
});
