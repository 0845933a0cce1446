import { IsJsonValue } from './config-validators';

/** Config of `output` nodes: the result of a callable workflow. */
export interface OutputConfig {
  /** Any JSON value; may contain templates. */
  value: unknown;
}

export class OutputConfigDto implements OutputConfig {
  @IsJsonValue()
  value!: unknown;
}
