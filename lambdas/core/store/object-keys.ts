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
