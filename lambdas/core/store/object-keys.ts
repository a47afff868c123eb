/**
 * Prefixes of the bucket's key layout that the infrastructure acts on as well as the code: the
 * bucket's lifecycle rules and the cleanup job's grants name them, so they are declared once, here.
 */

/** Every media's original, under its media id; the cleanup job sweeps those left without a record. */
export const ORIGINALS_PREFIX = 'originals/';

/** Direct uploads land here before they are validated; whatever is never completed expires. */
export const INCOMING_PREFIX = 'incoming/';

/**
 * Days an object stays in `incoming/`: the bucket's lifecycle rule expires it then, and the
 * cleanup job sweeps it as well (where there is no lifecycle, as in the local runtime). An intent
 * can be completed for an hour only, so a day leaves no completion in flight.
 */
export const INCOMING_LIFETIME_DAYS = 1;

/**
 * Rendered variants, `variants/<media id>/<fingerprint>` (core/variants/store.ts): derived bytes,
 * so a media's whole prefix can go at once (deletion, expiry, hiding) and the bucket's lifecycle
 * rule expires each one VARIANT_LIFETIME_DAYS after it was written.
 */
export const VARIANTS_PREFIX = 'variants/';

/**
 * Days a stored variant lives after its write. No longer than the variant budget remembers an
 * admission (REMEMBERED_DAYS in core/variants/budget.ts, checked by a test): a stored variant is
 * served without being admitted again, so when it expires its last admission is still remembered
 * and a day whose budget is spent still renders it again.
 */
export const VARIANT_LIFETIME_DAYS = 30;
