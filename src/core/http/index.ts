export { createHttp, sendRouteMiss, SESSION_COOKIE, API_KEY_PREFIX, type App, type HttpDeps } from './server.js';
export { sendProblem, toProblem, lang } from './problem.js';
export { Problem, NoContent, literalUnion, Nullable } from './schemas.js';
