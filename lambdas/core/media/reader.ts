import type { Caller } from '#core/caller';
import type { Clock } from '#core/clock';
import { notFound } from '#core/errors';
import { isLive, isVisibleTo, type Media } from '#core/media/media';
import type { MediaRepository } from '#core/media/repository';

/** Reading one image: what `GET /v1/media/:id` and the viewer share. Knows nothing of image bytes. */
export const createMediaReader = ({ media, clock }: { media: MediaRepository; clock: Clock }) => ({
  /** Live media the caller may see; undefined alike whether it is missing, private or someone else's. */
  async find(caller: Caller, id: string): Promise<Media | undefined> {
    const found = await media.get(id);
    const teamId = caller.kind === 'key' ? caller.teamId : undefined;
    return found && isLive(found, clock.nowMs()) && isVisibleTo(found, teamId) ? found : undefined;
  },

  /** Like `find`, but what cannot be seen is not found. */
  async get(caller: Caller, id: string): Promise<Media> {
    const found = await this.find(caller, id);
    if (!found) throw notFound('Image not found.');
    return found;
  },
});
export type MediaReader = ReturnType<typeof createMediaReader>;
