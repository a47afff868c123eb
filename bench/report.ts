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

/**
 * RESULTS.md with the sections just measured put in place of their earlier versions (matched by
 * title) and the others kept as they were, in their order; new sections go at the end. The
 * header (machine and date) is the current run's. Sections measured in an earlier run keep the
 * machine line they were written under only implicitly, so each section's notes say what it
 * compares against in the same run.
 */
export const mergeSections = (
  previous: string,
  header: string,
  fresh: { title: string; markdown: string }[],
): string => {
  const chunks = previous.split(/^(?=## )/m).slice(1);
  const byTitle = new Map(fresh.map((section) => [section.title, section.markdown]));
  const kept = chunks.map((chunk) => {
    const title = chunk.slice(3, chunk.indexOf('\n')).trim();
    const replacement = byTitle.get(title);
    byTitle.delete(title);
    return replacement ?? chunk.trimEnd().concat('\n');
  });
  return [header, ...kept, ...byTitle.values()].join('\n');
};
