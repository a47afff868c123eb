import type { Media, MediaSummary } from '../../clients/typescript/src/api.ts';
import { byId, element, formatBytes } from './dom.ts';
import type { Library } from './library.ts';
import { Playground } from './playground.ts';
import { call, type Session } from './session.ts';

/** One image in a modal dialog: its facts, the edit form, delete, copy link and the playground. */
export class Detail {
  private media: Media | undefined;
  private readonly dialog = byId<HTMLDialogElement>('detail');
  private readonly playground = new Playground();

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
    ];
    byId('detail-facts').replaceChildren(
      ...facts.flatMap(([term, value]) => [element('dt', {}, term), element('dd', {}, value)]),
    );
    byId<HTMLInputElement>('edit-caption').value = media.caption ?? '';
    // The API answers no `public` field: the choice is offered as a change, never as a state.
    byId<HTMLSelectElement>('edit-public').value = '';
    byId<HTMLInputElement>('edit-ttl').value = '';
    this.playground.show(media.link);
  }

  private async save(): Promise<void> {
    if (!this.media) return;
    const ttl = byId<HTMLInputElement>('edit-ttl').value;
    const caption = byId<HTMLInputElement>('edit-caption').value;
    const visibility = byId<HTMLSelectElement>('edit-public').value;
    const answer = await call(
      this.session.api.v1.updateMedia(
        { id: this.media.id },
        {
          caption: caption === '' ? null : caption,
          ...(visibility !== '' && { public: visibility === 'public' }),
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
