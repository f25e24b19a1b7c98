// zod, the required peer, loaded once through the subpaths zod keeps for libraries (`zod/v4`, `zod/v4/core`), so zod 3.25 and 4 both work.
import type * as ZodV4 from 'zod/v4';
import type * as ZodCore from 'zod/v4/core';
import { peer } from './peer.js';

const RANGE = '^3.25.0 || ^4.0.0';

/** zod's schema builders, for fieldguard's own option schemas. */
export const z: typeof ZodV4.z = peer<typeof ZodV4>('zod/v4', RANGE, 'fieldguard').z;

/** zod's core: what fieldguard uses on the schemas an application passes in. */
export const zodCore: typeof ZodCore = peer<typeof ZodCore>('zod/v4/core', RANGE, 'fieldguard');
