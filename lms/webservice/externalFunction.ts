import type { z } from 'zod';
import type { HostUser } from '../../plugin/spi/host.ts';
import type { LmsHost } from '../lmsHost.ts';
import { parametersOrThrow, type WsMap } from './wsParams.ts';

/** The Moodle release the reference site answers as (core_webservice_get_site_info `release` / `version`): 4.5. */
export const MOODLE_RELEASE = '4.5 (Build: 20241007)';
export const MOODLE_VERSION = '2024100700';


/** What a function sees of the call: who (the token's user and service) and the site. */
export interface WsCall {
  user: HostUser;
  service: string;
  host: LmsHost;
  /** The functions this token may call, for core_webservice_get_site_info's `functions`. */
  servedFunctions: ReadonlyArray<{ name: string; version: string }>;
}

/** One external function (Moodle's db/services.php entry plus its class): declared once, listed from here. */
export interface ExternalFunction<S extends z.ZodType = z.ZodType> {
  name: string;
  /** The component version Moodle reports beside the name; the site's version unless set. */
  version?: string;
  /** The services that contain it (external_services_functions). */
  services: readonly string[];
  /** The parameters, as external_function_parameters: refused keys and types give `invalidparameter`. */
  params: S;
  handler(args: z.output<S>, call: WsCall): Promise<unknown>;
}

/** A function in the table, its parameter type erased: `run` validates, then calls the handler. */
export interface ServedFunction {
  name: string;
  version: string;
  services: readonly string[];
  run(fields: WsMap, call: WsCall): Promise<unknown>;
}

export function externalFunction<S extends z.ZodType>(definition: ExternalFunction<S>): ServedFunction {
  return {
    name: definition.name,
    version: definition.version ?? MOODLE_VERSION,
    services: definition.services,
    run: (fields, call) => definition.handler(parametersOrThrow(definition.params, fields), call),
  };
}
