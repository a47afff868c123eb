import { describe, expect, it } from 'vitest';
import { mergeSections, toMarkdown } from '../../bench/report.ts';

const section = (title: string, value: number) =>
  toMarkdown({ title, header: ['case', 'ms'], rows: [['a', value]], notes: [`note of ${title}`] });

describe('bench RESULTS.md merge', () => {
  const previous = [
    '# Benchmark results',
    '',
    '- Date: old',
    '',
    section('Upload', 1),
    section('Viewer', 2),
    section('Cold start', 3),
  ].join('\n');

  it('replaces only the sections measured now and keeps the others in place', () => {
    const merged = mergeSections(previous, '# Benchmark results\n\n- Date: new\n', [
      { title: 'Viewer', markdown: section('Viewer', 20) },
    ]);
    expect(merged).toContain('- Date: new');
    expect(merged).not.toContain('- Date: old');
    const titles = [...merged.matchAll(/^## (.+)$/gm)].map((match) => match[1]);
    expect(titles).toEqual(['Upload', 'Viewer', 'Cold start']);
    expect(merged).toContain('| a | 1 |');
    expect(merged).toContain('| a | 20 |');
    expect(merged).not.toContain('| a | 2 |');
    expect(merged).toContain('| a | 3 |');
  });

  it('appends a section that was never measured before, and starts a missing file', () => {
    const merged = mergeSections(previous, '# Benchmark results\n', [
      { title: 'Encoders', markdown: section('Encoders', 9) },
    ]);
    expect([...merged.matchAll(/^## (.+)$/gm)].map((match) => match[1])).toEqual([
      'Upload',
      'Viewer',
      'Cold start',
      'Encoders',
    ]);
    expect(
      mergeSections('', '# Benchmark results\n', [{ title: 'Encoders', markdown: section('Encoders', 9) }]),
    ).toBe(`# Benchmark results\n\n${section('Encoders', 9)}`);
  });
});
