/** A benchmark's contribution to bench/RESULTS.md: a titled table plus notes. */
export interface Section {
  title: string;
  header: string[];
  rows: (string | number)[][];
  notes?: string[];
}

export const toMarkdown = (section: Section): string => {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [
    `## ${section.title}`,
    '',
    line(section.header),
    line(section.header.map(() => '---')),
    ...section.rows.map(line),
    '',
    ...(section.notes ?? []).map((note) => `- ${note}`),
    '',
  ].join('\n');
};

export const ms = (value: number): string => value.toFixed(1);
export const times = (ratio: number): string => `${ratio.toFixed(2)}×`;
