import { ArrayMaxSize, ArrayMinSize, IsArray, IsString, MinLength, ValidateIf, ValidateNested } from 'class-validator';
import { evaluateCondition, type Condition } from '../condition';
import type { RunScope } from '../scope-path';
import { IsCondition } from './config-validators';

export const MAX_CONDITION_BRANCHES = 50;

export interface ConditionBranch {
  when: Condition;
  /** Null ends the run normally. */
  target: string | null;
}

/** Config of `condition` nodes: the first branch whose `when` holds wins, else `else`. */
export interface ConditionConfig {
  branches: ConditionBranch[];
  else?: string | null;
}

export class ConditionBranchDto implements ConditionBranch {
  @IsCondition()
  when!: Condition;

  @ValidateIf((_object, value) => value !== null)
  @IsString({ message: 'target must be a node id or null' })
  @MinLength(1, { message: 'target must be a node id or null' })
  target!: string | null;
}

export class ConditionConfigDto implements ConditionConfig {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_CONDITION_BRANCHES)
  @ValidateNested({ each: true, message: 'each branch must be an object { when, target }' })
  branches!: ConditionBranchDto[];

  @ValidateIf((_object, value) => value !== undefined && value !== null)
  @IsString({ message: 'else must be a node id or null' })
  @MinLength(1, { message: 'else must be a node id or null' })
  else?: string | null;
}

export interface BranchSelection {
  target: string | null;
  /** Index of the matching branch; null when `else` (or its absence) decided. */
  branchIndex: number | null;
}

/** The first branch whose condition holds, else the `else` target (null when there is none). */
export function selectBranch(config: ConditionConfig, scope: RunScope): BranchSelection {
  const branches = Array.isArray(config.branches) ? config.branches : [];
  for (const [branchIndex, branch] of branches.entries()) {
    if (branch !== null && typeof branch === 'object' && evaluateCondition(branch.when, scope)) {
      return { target: branch.target ?? null, branchIndex };
    }
  }
  return { target: config.else ?? null, branchIndex: null };
}
