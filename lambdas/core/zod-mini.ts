import { en } from 'zod/locales';
import * as z from 'zod/mini';

/**
 * zod/mini, for the schemas every cold start loads (configuration, plans, the viewer's query): the
 * same validators as zod's classic API as functions, which a bundle keeps only where used (~20 KiB
 * against classic's ~95). It loads no messages of its own: the English ones classic loads are set
 * here, so a problem reads the same whichever API built the schema.
 */
z.config(en());

export * from 'zod/mini';
