/** Every subcommand, in the order `hwnas --help` lists them. */
import type { Command } from 'commander';
import { registerInfo } from './info.js';
import { registerTrain } from './train.js';
import { registerEval } from './eval.js';

export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [registerInfo, registerTrain, registerEval];
