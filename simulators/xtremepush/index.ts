/** The Xtremepush external API simulator (see server.ts for behaviour and its [A] choices). */
export { startXtremepushSim } from './server.js';
export type { XtremepushSim, XtremepushSimOptions, XtremepushSimStats } from './server.js';
export { OPERATORS, QueryError, Table, matches, parseCondition, parseListQuery } from './query.js';
export type { ConditionNode, ListQuery, OrderKey, Row } from './query.js';
export { TASK_STATUSES, TASK_TYPES, spellTaskStatus } from './tasks.js';
export type { TaskStatus, TaskStatusCase, TaskType, TaskView } from './tasks.js';
