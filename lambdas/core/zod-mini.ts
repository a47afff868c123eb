import { en } from 'zod/locales';
import * as z from 'zod/mini';

/**
 * zod/mini, for the schemas the functions load (settings, plans, requests, the viewer's query): the
 * validators of zod's classic API as functions, which a bundle keeps only where used (30–37 KiB
 * against classic's 95). It loads no messages of its own: the English ones classic loads are set
 * here, so a problem reads the same in a bundle as in a process that also loaded classic zod.
 */
z.config(en());

export * from 'zod/mini';
