/** Every subcommand, in the order `hwnas --help` lists them. */
import type { Command } from 'commander';
import { registerInfo } from './info.js';
import { registerTrain } from './train.js';
import { registerEval } from './eval.js';
import { registerDemo } from './demo.js';

export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [registerDemo, registerInfo, registerTrain, registerEval];
