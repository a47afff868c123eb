import { once } from '#core/compose/once';
import { platform } from '#core/compose/platform';
import { publicBaseUrlOf } from '#core/config';
import { createBodies } from '#core/http/bodies';

/** The answers' bodies, with this deployment's links. */
export const bodies = once(() => {
  const { settings } = platform();
  return createBodies({ publicBaseUrl: publicBaseUrlOf(settings), signupUrl: settings.signupUrl });
});
