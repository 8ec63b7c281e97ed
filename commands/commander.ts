/**
 * commander, required rather than imported: it is CommonJS, and an ESM import first runs Node's CJS export lexer
 * over its files (~5 ms of every cift process, `--help` included: 11–13 ms imported, 6.6–7.2 ms required).
 * Every command module takes Command, Option, Help and CommanderError from here.
 */
import { createRequire } from 'node:module';
import type * as CommanderApi from 'commander';

const commander = createRequire(import.meta.url)('commander') as typeof CommanderApi;

export const Command = commander.Command;
export type Command = CommanderApi.Command;
export const Option = commander.Option;
export type Option = CommanderApi.Option;
export const Help = commander.Help;
export type Help = CommanderApi.Help;
export const CommanderError = commander.CommanderError;
export type CommanderError = CommanderApi.CommanderError;
