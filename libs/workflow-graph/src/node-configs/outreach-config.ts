import { ANSWER_STATES, type AnswerState } from '@wfp/contracts';
import {
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { QUESTION_SLUG_PATTERN } from '../names';
import { HasUniqueValuesOf, OptionalButNotNull } from './config-validators';

export const OUTREACH_CHANNELS = ['sms', 'email', 'whatsapp'] as const;
export type OutreachChannel = (typeof OUTREACH_CHANNELS)[number];

/** A preferred answer is one of the conversation engine's answer states (event catalogue). */
export const PREFERRED_ANSWERS = ANSWER_STATES;
export type PreferredAnswer = AnswerState;

export const DEFAULT_REPLY_WINDOW_SECONDS = 86_400;
export const MIN_REPLY_WINDOW_SECONDS = 60;
/** 30 days. */
export const MAX_REPLY_WINDOW_SECONDS = 2_592_000;
export const MAX_QUESTION_TEXT_LENGTH = 1000;

export interface OutreachQuestion {
  slug: string;
  text: string;
  preferredAnswer?: PreferredAnswer;
}

/** Config of `screeningOutreach` and `engagementOutreach` nodes. */
export interface OutreachConfig {
  channels: OutreachChannel[];
  /** Defaults to DEFAULT_REPLY_WINDOW_SECONDS. */
  replyWindowSeconds?: number;
  questions: OutreachQuestion[];
}

export class OutreachQuestionDto implements OutreachQuestion {
  @IsString()
  @Matches(QUESTION_SLUG_PATTERN, { message: 'slug must be lowercase kebab-case of 1-64 characters, such as nmc-pin' })
  slug!: string;

  @IsString()
  @Matches(/\S/, { message: 'text must not be empty' })
  @MaxLength(MAX_QUESTION_TEXT_LENGTH)
  text!: string;

  @OptionalButNotNull()
  @IsIn(PREFERRED_ANSWERS)
  preferredAnswer?: PreferredAnswer;
}

export class OutreachConfigDto implements OutreachConfig {
  @IsArray()
  @ArrayNotEmpty()
  @ArrayUnique({ message: 'channels must not repeat a channel' })
  @IsIn(OUTREACH_CHANNELS, { each: true })
  channels!: OutreachChannel[];

  @OptionalButNotNull()
  @IsInt()
  @Min(MIN_REPLY_WINDOW_SECONDS)
  @Max(MAX_REPLY_WINDOW_SECONDS)
  replyWindowSeconds?: number;

  @IsArray()
  @ValidateNested({ each: true, message: 'each question must be an object { slug, text, preferredAnswer? }' })
  @HasUniqueValuesOf('slug')
  questions!: OutreachQuestionDto[];
}
