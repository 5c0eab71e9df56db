import type { Module } from '../../core/module.js';

export { DictionaryService, type DictionaryDeps, type CommuneItem, type ElementInput, type ElementPatch, type ImportReport, type Transition } from './service.js';
export { dictionaryRoutes } from './routes.js';
export { foldKey } from './fold.js';
export { ruleProblems } from './rules.js';
export { ValidationRulesSchema } from './schema.js';
export type {
  DataElement, ValidationRules, ElementType, ElementStatus, PersonalDataClass, Origin, CodeList, CodeListItem, ElementHistoryEntry,
} from './model.js';

/** The data dictionary: shared data elements, code lists and their approval workflow. */
export const dictionaryModule = {
  name: 'dictionary',
  migrations: new URL('./migrations/', import.meta.url),
} satisfies Pick<Module, 'name' | 'migrations'>;
