import type { Media, MediaSummary } from '../../clients/typescript/src/api.ts';
import { attributionNameProblem } from '../../lambdas/core/media/fields.ts';
import { attributionOf } from './attribution.ts';
import { byId, element, formatBytes } from './dom.ts';
import type { Library } from './library.ts';
import { Playground } from './playground.ts';
import { call, type Session } from './session.ts';

/**
 * One image in a modal dialog: its facts, the edit form (caption, visibility, TTL and attribution
 * metadata), delete, copy link and the playground.
 */
export class Detail {
  private media: Media | undefined;
  private readonly dialog = byId<HTMLDialogElement>('detail');
  private readonly playground = new Playground();
  /** Numbers the metadata rows' ids. */
  private rows = 0;

  constructor(
    private readonly session: Session,
    private readonly library: Library,
  ) {
    byId('detail-close').addEventListener('click', () => this.dialog.close());
    byId<HTMLFormElement>('edit').addEventListener('submit', (event) => {
      event.preventDefault();
      void this.save();
    });
    byId('delete').addEventListener('click', () => void this.remove());
    byId('copy-link').addEventListener('click', () => void this.copy());
    byId('metadata-add').addEventListener('click', () => {
      const row = this.metadataRow();
      byId('metadata-rows').append(row);
      row.querySelector('input')?.focus();
    });
  }

  async open(summary: MediaSummary): Promise<void> {
    byId('edit-error').textContent = '';
    byId('edit-status').textContent = '';
    // The full record first: showing it later would overwrite what was typed meanwhile.
    const answer = await call(this.session.api.v1.getMedia({ id: summary.id }));
    this.show(answer.ok ? answer.data : (summary as Media));
    if (!answer.ok) byId('edit-error').textContent = answer.message;
    this.dialog.showModal();
  }

  private show(media: Media): void {
    this.media = media;
    byId('detail-title').textContent = media.caption || media.id;
    const image = byId<HTMLImageElement>('detail-image');
    image.src = media.sizes.medium.url;
    image.alt = media.caption ?? '';
    const facts: [string, string][] = [
      ['ID', media.id],
      ['Link', media.link],
      ['Dimensions', `${media.width} × ${media.height} px`],
      ['Format', media.extension],
      ['Size', formatBytes(media.filesize)],
      ['Uploaded', new Date(media.created_at * 1000).toLocaleString()],
      ['Expires', media.expires_at ? new Date(media.expires_at * 1000).toLocaleString() : 'never'],
      ['Visibility', media.public ? 'public' : 'private: its link is not found without a key'],
    ];
    byId('detail-facts').replaceChildren(
      ...facts.flatMap(([term, value]) => [element('dt', {}, term), element('dd', {}, value)]),
    );
    byId<HTMLInputElement>('edit-caption').value = media.caption ?? '';
    byId<HTMLInputElement>('edit-public').checked = media.public;
    byId<HTMLInputElement>('edit-ttl').value = '';
    byId('metadata-rows').replaceChildren(
      ...attributionOf(media).map(([name, value]) => this.metadataRow(name, value)),
    );
    this.playground.show(media.link);
  }

  /**
   * One attribution field: a stored one shows its name as the label of its value; a new one has a
   * name to fill in. Removing a stored field sends it as null, which removes it.
   */
  private metadataRow(name?: string, value = ''): HTMLLIElement {
    const id = `metadata-${++this.rows}`;
    const valueInput = element('input', { id, type: 'text', value, maxLength: 1000, className: 'value' });
    const remove = element('button', { type: 'button', className: 'remove' }, 'Remove');
    const row = element('li', {});
    if (name === undefined) {
      const nameInput = element('input', { id: `${id}-name`, type: 'text', className: 'name' });
      nameInput.setAttribute('spellcheck', 'false');
      row.append(
        element('label', { htmlFor: `${id}-name` }, 'New field name'),
        nameInput,
        element('label', { htmlFor: id }, 'Its value'),
      );
      remove.setAttribute('aria-label', 'Remove the new field');
    } else {
      row.dataset.name = name;
      row.append(element('label', { htmlFor: id }, name));
      remove.setAttribute('aria-label', `Remove ${name}`);
    }
    row.append(valueInput, remove);
    remove.addEventListener('click', () => {
      row.remove();
      byId('metadata-add').focus();
    });
    return row;
  }

  /**
   * The attribution as edited, as PATCH takes it: changed and new values, null for removed ones; or
   * why a new field's name cannot be one (the API's own rule: PATCH would take `ttl` or `caption`
   * as those fields, not as metadata).
   */
  private metadataChanges(media: Media): { changes: Record<string, string | null> } | { problem: string } {
    const changes: Record<string, string | null> = {};
    const stored = new Map(attributionOf(media));
    for (const name of stored.keys()) changes[name] = null;
    for (const row of byId('metadata-rows').querySelectorAll<HTMLLIElement>('li')) {
      const name = row.dataset.name ?? row.querySelector<HTMLInputElement>('input.name')?.value.trim() ?? '';
      const value = row.querySelector<HTMLInputElement>('input.value')?.value ?? '';
      if (name === '') continue;
      const problem = row.dataset.name === undefined ? attributionNameProblem(name) : undefined;
      if (problem) return { problem };
      if (stored.get(name) === value) delete changes[name];
      else changes[name] = value;
    }
    return { changes };
  }

  private async save(): Promise<void> {
    if (!this.media) return;
    const ttl = byId<HTMLInputElement>('edit-ttl').value;
    const caption = byId<HTMLInputElement>('edit-caption').value;
    const visible = byId<HTMLInputElement>('edit-public').checked;
    const metadata = this.metadataChanges(this.media);
    if ('problem' in metadata) {
      byId('edit-error').textContent = metadata.problem;
      return;
    }
    const answer = await call(
      this.session.api.v1.updateMedia(
        { id: this.media.id },
        {
          ...metadata.changes,
          caption: caption === '' ? null : caption,
          ...(visible !== this.media.public && { public: visible }),
          ...(ttl !== '' && { ttl: Number(ttl) }),
        },
      ),
    );
    if (!answer.ok) {
      byId('edit-error').textContent = answer.message;
      return;
    }
    byId('edit-error').textContent = '';
    this.show(answer.data);
    this.library.update(answer.data);
    byId('edit-status').textContent = 'Saved.';
  }

  private async remove(): Promise<void> {
    if (!this.media || !confirm('Delete this image? Its links stop working.')) return;
    const { id } = this.media;
    const answer = await call(this.session.api.v1.deleteMedia({ id }));
    if (!answer.ok) {
      byId('edit-error').textContent = answer.message;
      return;
    }
    this.library.remove(id);
    this.dialog.close();
  }

  private async copy(): Promise<void> {
    if (!this.media) return;
    try {
      await navigator.clipboard.writeText(this.media.link);
      byId('edit-status').textContent = 'Link copied.';
    } catch {
      byId('edit-status').textContent = `Copy this link: ${this.media.link}`;
    }
  }
}
