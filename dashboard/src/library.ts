import type { Media, MediaSummary } from '../../clients/typescript/src/api.ts';
import { attributionOf, matches, parseFilter } from './attribution.ts';
import { byId, element } from './dom.ts';
import { showPlaceholder } from './placeholder.ts';
import { call, type Session } from './session.ts';

const PAGE = '24';
/** Media read at once for their attribution while a filter is on. */
const READS_AT_ONCE = 4;

interface Card {
  card: HTMLLIElement;
  media: MediaSummary;
  /** Its attribution metadata, once known (an upload's or an edit's answer, or a read of it). */
  attribution?: [string, string][];
}

/**
 * The grid of the caller's media, newest first as the API lists them, a page at a time on its
 * cursor: the next page loads when the end of the grid scrolls into view (or "Load more" is
 * pressed). Selection and the filter live here. The API has no search, so the filter applies to
 * what has been loaded; and since the listing carries no attribution metadata, a filter reads the
 * loaded media it does not know yet (GET /v1/media/:id, each once, four at a time in all). While a
 * filter is on, pages load only when asked for: a filter that hides everything would otherwise
 * scroll, page and read through the whole library.
 */
export class Library {
  private cursor: string | null | undefined = undefined;
  private loading = false;
  private readonly cards = new Map<string, Card>();
  /** Media whose attribution is to be read, in order, and those queued or being read. */
  private readonly queue: string[] = [];
  private readonly pending = new Set<string>();
  private readers = 0;
  private filterScheduled = false;
  readonly selected = new Set<string>();
  private readonly observer: IntersectionObserver;

  constructor(
    private readonly session: Session,
    private readonly open: (media: MediaSummary) => void,
  ) {
    const more = byId<HTMLButtonElement>('more');
    more.addEventListener('click', () => void this.next());
    this.observer = new IntersectionObserver((entries) => {
      if (!this.filtering() && entries.some((entry) => entry.isIntersecting)) void this.next();
    });
    this.observer.observe(more);
    byId<HTMLInputElement>('filter').addEventListener('input', () => {
      this.applyFilter();
      this.nextIfInView();
    });
  }

  async reload(): Promise<void> {
    this.cursor = undefined;
    this.cards.clear();
    for (const id of this.queue.splice(0)) this.pending.delete(id);
    this.selected.clear();
    byId('grid').replaceChildren();
    this.selectionChanged();
    await this.next();
  }

  /** The next page, if there is one and none is on its way. */
  async next(): Promise<void> {
    if (this.loading || this.cursor === null) return;
    this.loading = true;
    const status = byId('library-status');
    status.textContent = 'Loading…';
    const answer = await call(
      this.session.api.v1.listMedia({ limit: PAGE, ...(this.cursor && { cursor: this.cursor }) }),
    );
    this.loading = false;
    if (!answer.ok) {
      byId('library-error').textContent = answer.message;
      status.textContent = '';
      return;
    }
    byId('library-error').textContent = '';
    const grid = byId('grid');
    for (const media of answer.data.data) {
      if (this.cards.has(media.id)) continue;
      const card = this.card(media);
      this.cards.set(media.id, { card, media });
      grid.append(card);
    }
    this.cursor = answer.data.has_more ? answer.data.next_cursor : null;
    const more = byId('more');
    more.hidden = this.cursor === null;
    this.applyFilter();
    // The observer reports changes only: a page that leaves the end still in view asks for the next.
    requestAnimationFrame(() => this.nextIfInView());
  }

  /** The next page while the end of the grid is in view, unless a filter is on. */
  private nextIfInView(): void {
    const more = byId('more');
    if (this.cursor && !this.filtering() && more.getBoundingClientRect().top < innerHeight) void this.next();
  }

  /** A new upload goes first: it is the newest. Its answer carries its attribution. */
  prepend(media: Media): void {
    if (this.cards.has(media.id)) return;
    const card = this.card(media);
    this.cards.set(media.id, { card, media, attribution: attributionOf(media) });
    byId('grid').prepend(card);
    this.applyFilter();
  }

  update(media: Media): void {
    const known = this.cards.get(media.id);
    if (!known) return;
    const card = this.card(media);
    known.card.replaceWith(card);
    this.cards.set(media.id, { card, media, attribution: attributionOf(media) });
    this.applyFilter();
  }

  remove(id: string): void {
    this.cards.get(id)?.card.remove();
    this.cards.delete(id);
    this.selected.delete(id);
    this.selectionChanged();
    this.applyFilter();
  }

  private card(media: MediaSummary): HTMLLIElement {
    const label = media.caption || media.id;
    const image = element('img', {
      alt: media.caption ?? '',
      loading: 'lazy',
      decoding: 'async',
      width: media.sizes.small.width,
      height: media.sizes.small.height,
    });
    image.addEventListener('load', () => image.classList.add('loaded'), { once: true });
    image.src = media.sizes.small.url;
    const open = element('button', { type: 'button', className: 'thumb', title: `Open ${label}` }, image);
    open.setAttribute('aria-label', `Open ${label}`);
    showPlaceholder(open, media);
    open.addEventListener('click', () => this.open(media));
    const box = element('input', { type: 'checkbox', checked: this.selected.has(media.id) });
    box.setAttribute('aria-label', `Select ${label}`);
    box.addEventListener('change', () => {
      if (box.checked) this.selected.add(media.id);
      else this.selected.delete(media.id);
      this.selectionChanged();
    });
    const card = element(
      'li',
      { className: 'card' },
      open,
      element(
        'div',
        { className: 'meta' },
        box,
        element('span', { className: 'caption' }, label),
        ...(media.public ? [] : [element('span', { className: 'badge' }, 'Private')]),
      ),
    );
    card.dataset.id = media.id;
    return card;
  }

  private filtering(): boolean {
    return parseFilter(byId<HTMLInputElement>('filter').value).active;
  }

  /**
   * Hides what the filter excludes and says how many are shown. Loaded media whose attribution is
   * not known yet are queued to be read, and the filter runs again as they are; clearing the filter
   * drops what is still queued.
   */
  private applyFilter(): void {
    const filter = parseFilter(byId<HTMLInputElement>('filter').value);
    let shown = 0;
    for (const { card, media, attribution } of this.cards.values()) {
      card.hidden = filter.active && !matches(filter, media.caption, attribution);
      if (!card.hidden) shown++;
      if (filter.active && !attribution && !this.pending.has(media.id)) {
        this.pending.add(media.id);
        this.queue.push(media.id);
      }
    }
    if (!filter.active) {
      for (const id of this.queue.splice(0)) this.pending.delete(id);
    }
    while (this.readers < READS_AT_ONCE && this.queue.length > 0) void this.read();
    const status = byId('library-status');
    if (this.pending.size > 0) {
      status.textContent = `Reading the metadata of ${this.pending.size} loaded images…`;
      return;
    }
    status.textContent =
      this.cards.size === 0
        ? 'No images yet.'
        : `${shown} of ${this.cards.size} loaded ${this.cards.size === 1 ? 'image' : 'images'} shown.`;
  }

  /**
   * One reader: the queued media's attribution, one after the other. A read that cannot be done
   * leaves none; one that an edit or an upload answered meanwhile is not overwritten by it.
   */
  private async read(): Promise<void> {
    this.readers++;
    for (let id = this.queue.shift(); id !== undefined; id = this.queue.shift()) {
      const answer = await call(this.session.api.v1.getMedia({ id }));
      const known = this.cards.get(id);
      if (known && !known.attribution) known.attribution = answer.ok ? attributionOf(answer.data) : [];
      this.pending.delete(id);
      this.scheduleFilter();
    }
    this.readers--;
  }

  /** The filter again once per frame, however many reads end in it. */
  private scheduleFilter(): void {
    if (this.filterScheduled) return;
    this.filterScheduled = true;
    requestAnimationFrame(() => {
      this.filterScheduled = false;
      this.applyFilter();
    });
  }

  selectionChanged(): void {
    byId('batch').hidden = this.selected.size === 0;
    byId('batch-count').textContent = `${this.selected.size} selected`;
  }

  clearSelection(): void {
    this.selected.clear();
    for (const { card } of this.cards.values()) {
      const box = card.querySelector<HTMLInputElement>('input[type="checkbox"]');
      if (box) box.checked = false;
    }
    this.selectionChanged();
  }

  /** Batch privacy, TTL or delete on the selection, through the batch routes. */
  async batch(action: string): Promise<void> {
    const ids = [...this.selected];
    const error = byId('library-error');
    error.textContent = '';
    if (action === 'clear' || ids.length === 0) return this.clearSelection();
    if (action === 'delete') {
      const answer = await call(this.session.api.v1.deleteMediaBatch({ ids }));
      if (!answer.ok) error.textContent = answer.message;
      else for (const id of ids) this.remove(id);
      return;
    }
    const ttlText = byId<HTMLInputElement>('batch-ttl').value;
    const changes =
      action === 'ttl' ? { ttl: ttlText === '' ? null : Number(ttlText) } : { public: action === 'public' };
    const answer = await call(this.session.api.v1.updateMediaBatch({ ids, ...changes }));
    if (!answer.ok) error.textContent = answer.message;
    else for (const media of answer.data.media) this.update(media);
  }
}
