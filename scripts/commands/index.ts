/** Every subcommand, in the order `hwnas --help` lists them. */
import type { Command } from 'commander';
import { registerInfo } from './info.js';
import { registerInit } from './init.js';
import { registerTrain } from './train.js';
import { registerFinetune } from './finetune.js';
import { registerEval } from './eval.js';
import { registerDemo } from './demo.js';
import { registerCollect } from './collect.js';
import { registerFit } from './fit.js';
import { registerSearch } from './search.js';
import { registerExport } from './export.js';
import { registerVerify } from './verify.js';
import { registerProfile } from './profile.js';
import { registerLatency } from './latency.js';
import { registerCompress } from './compress.js';

export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [registerDemo, registerInfo, registerInit, registerTrain, registerFinetune, registerEval, registerCollect, registerFit, registerSearch, registerExport, registerVerify, registerProfile, registerLatency, registerCompress];
