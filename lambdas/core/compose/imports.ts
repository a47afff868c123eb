import { once } from '#core/compose/once';
import { platform } from '#core/compose/platform';
import { uploader } from '#core/compose/uploads';
import { createImageFetcher } from '#core/imports/fetch-image';
import { createImportService } from '#core/imports/service';

/** Only the import function loads the fetcher (and undici). */
export const importer = once(() =>
  createImportService({
    fetchImage: createImageFetcher({ ...platform().settings.imports, maxRedirects: 5 }),
    media: uploader(),
  }),
);
