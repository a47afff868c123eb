/**
 * Prefixes of the bucket's key layout that the infrastructure acts on as well as the code: the
 * bucket's lifecycle rules name them, so they are declared once, here.
 */

/** Direct uploads land here before they are validated; whatever is never completed expires. */
export const INCOMING_PREFIX = 'incoming/';
