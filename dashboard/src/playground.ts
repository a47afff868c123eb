import {
  FITS,
  FLIPS,
  GRAVITIES,
  LIMITS,
  METADATA_POLICIES,
  OUTPUT_FORMATS,
  SEGMENTS,
  SIZES,
} from '../../lambdas/core/images/parameters.ts';
import { byId, element, formatBytes } from './dom.ts';

type Control =
  | { name: string; label: string; kind: 'number'; min: number; max: number; step?: number }
  | { name: string; label: string; kind: 'choice'; values: readonly string[] }
  | { name: string; label: string; kind: 'text'; placeholder: string };

/** Every viewer parameter, with the ranges and choices of the viewer's own table. */
const CONTROLS: Control[] = [
  { name: 'w', label: 'Width (w)', kind: 'number', ...LIMITS.side },
  { name: 'h', label: 'Height (h)', kind: 'number', ...LIMITS.side },
  { name: 'size', label: 'Named size', kind: 'choice', values: SIZES },
  { name: 'fit', label: 'Fit', kind: 'choice', values: FITS },
  { name: 'gravity', label: 'Gravity', kind: 'choice', values: GRAVITIES },
  { name: 'dpr', label: 'Pixel ratio (dpr)', kind: 'number', ...LIMITS.dpr, step: 0.5 },
  { name: 'format', label: 'Format', kind: 'choice', values: [...OUTPUT_FORMATS, 'auto'] },
  { name: 'q', label: 'Quality (q)', kind: 'number', ...LIMITS.quality },
  { name: 'rotate', label: 'Rotate', kind: 'choice', values: ['90', '180', '270'] },
  { name: 'flip', label: 'Flip', kind: 'choice', values: FLIPS },
  { name: 'trim', label: 'Trim', kind: 'text', placeholder: 'auto or 1–100' },
  { name: 'blur', label: 'Blur', kind: 'number', ...LIMITS.blur },
  { name: 'brightness', label: 'Brightness', kind: 'number', ...LIMITS.factor, step: 0.1 },
  { name: 'contrast', label: 'Contrast', kind: 'number', ...LIMITS.factor, step: 0.1 },
  { name: 'saturation', label: 'Saturation', kind: 'number', ...LIMITS.factor, step: 0.1 },
  { name: 'gamma', label: 'Gamma', kind: 'number', ...LIMITS.factor, step: 0.1 },
  { name: 'sharp', label: 'Sharpen', kind: 'number', ...LIMITS.factor, step: 0.1 },
  { name: 'background', label: 'Background', kind: 'text', placeholder: 'ff0000 or red' },
  { name: 'segment', label: 'Segment', kind: 'choice', values: SEGMENTS },
  { name: 'metadata', label: 'Metadata', kind: 'choice', values: METADATA_POLICIES },
];

const input = (control: Control): HTMLInputElement | HTMLSelectElement => {
  const id = `p-${control.name}`;
  if (control.kind === 'choice') {
    const select = element(
      'select',
      { id, name: control.name },
      element('option', { value: '' }, '(default)'),
      ...control.values.map((value) => element('option', { value }, value)),
    );
    return select;
  }
  return control.kind === 'number'
    ? element('input', {
        id,
        name: control.name,
        type: 'number',
        min: String(control.min),
        max: String(control.max),
        step: String(control.step ?? 1),
        inputMode: 'decimal',
      })
    : element('input', { id, name: control.name, type: 'text', placeholder: control.placeholder });
};

/** Link → transformed link, with only the parameters given a value. */
export const transformedLink = (link: string, values: Record<string, string>): string => {
  const url = new URL(link);
  for (const [name, value] of Object.entries(values)) if (value !== '') url.searchParams.set(name, value);
  return url.toString();
};

/**
 * Controls for each viewer parameter; each change rebuilds the link, shows it, previews it, and
 * asks the viewer (`format=json`) for the variant's dimensions and bytes.
 */
export class Playground {
  private link = '';
  private generation = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    const form = byId<HTMLFormElement>('playground');
    form.replaceChildren(
      ...CONTROLS.map((control) =>
        element('div', {}, element('label', { htmlFor: `p-${control.name}` }, control.label), input(control)),
      ),
    );
    form.addEventListener('input', () => this.schedule());
    form.addEventListener('change', () => this.schedule());
    form.addEventListener('submit', (event) => event.preventDefault());
  }

  show(link: string): void {
    this.link = link;
    byId<HTMLFormElement>('playground').reset();
    this.refresh();
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(), 250);
  }

  private values(): Record<string, string> {
    const data = new FormData(byId<HTMLFormElement>('playground'));
    return Object.fromEntries([...data.entries()].map(([name, value]) => [name, String(value).trim()]));
  }

  private async refresh(): Promise<void> {
    if (!this.link) return;
    const generation = ++this.generation;
    const values = this.values();
    const link = transformedLink(this.link, values);
    byId<HTMLInputElement>('playground-link').value = link;
    byId<HTMLImageElement>('playground-preview').src = link;
    const facts = byId('playground-facts');
    facts.textContent = 'Measuring…';
    try {
      const response = await fetch(transformedLink(this.link, { ...values, format: 'json' }));
      const body = (await response.json()) as {
        message?: string;
        variant?: { width: number; height: number; bytes: number; format: string };
      };
      if (generation !== this.generation) return;
      const { variant } = body;
      facts.textContent =
        response.ok && variant
          ? `${variant.width} × ${variant.height} px, ${formatBytes(variant.bytes)} (${variant.bytes} bytes), ${variant.format}`
          : (body.message ?? `The viewer answered HTTP ${response.status}.`);
    } catch {
      if (generation === this.generation) facts.textContent = 'The viewer could not be reached.';
    }
  }
}
