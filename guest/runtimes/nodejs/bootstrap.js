/*
 * fngate's runtime nodejsNN.x: Lambda's Node.js model on the Lambda Runtime
 * API that fngate-agent serves in the guest.  node's own modules only.
 *
 * _HANDLER is "file.export" (the file may be "dir/file", the export a path
 * "a.b"), looked up under LAMBDA_TASK_ROOT as Lambda does: FILE.js (an ES
 * module when the nearest package.json says "type": "module"), FILE.mjs (an
 * ES module), FILE.cjs, else whatever require() finds under that name.  The
 * handler is called as handler(event, context, callback): its answer is the
 * promise it returns, or what it passes to the callback (by default once
 * the event loop is empty, as context.callbackWaitsForEmptyEventLoop says).
 * Errors are reported as Lambda reports them for Node.js: errorType (the
 * error's name), errorMessage and trace (the stack's lines); init errors
 * (Runtime.ImportModuleError, Runtime.UserCodeSyntaxError,
 * Runtime.HandlerNotFound, Runtime.MalformedHandlerName) go to
 * .../init/error.  console's lines carry the time, the request id and the
 * level, as on Lambda.
 */
'use strict';

const fs = require('fs');
const http = require('http');
const path = require('path');
const util = require('util');

const API = process.env.AWS_LAMBDA_RUNTIME_API || '127.0.0.1:9001';
const BASE = '/2018-06-01/runtime';
const TASK = process.env.LAMBDA_TASK_ROOT || '/var/task';
const HANDLER = process.env._HANDLER || '';

/* One keep-alive connection to the API; an idle one does not hold the event
 * loop (http.Agent unrefs its free sockets), so "the event loop is empty"
 * means the function's own work is done. */
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const [apiHost, apiPort] = [API.slice(0, API.lastIndexOf(':')),
                            Number(API.slice(API.lastIndexOf(':') + 1))];

let requestId;                      /* the call in progress, for the log */

/* One request to the API; once again on a new connection when the kept
 * one failed (the agent closed it: it closes after a malformed request). */
function apiRequest(method, p, body, headers) {
    return apiOnce(method, p, body, headers)
        .catch(() => apiOnce(method, p, body, headers));
}

function apiOnce(method, p, body, headers) {
    return new Promise((resolve, reject) => {
        const data = body === undefined ? undefined : Buffer.from(body);
        const req = http.request({
            host: apiHost, port: apiPort, method, path: BASE + p, agent,
            headers: Object.assign({ 'Content-Length': data ? data.length : 0 },
                                   headers),
        }, (res) => {
            const chunks = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode,
                headers: res.headers, body: Buffer.concat(chunks) }));
            res.on('error', reject);
        });
        req.on('error', reject);
        req.end(data);
    });
}

async function apiPost(p, text, errorType) {
    const headers = { 'Content-Type': 'application/json' };
    if (errorType) {                /* a header's value: printable ASCII */
        headers['Lambda-Runtime-Function-Error-Type'] =
            String(errorType).replace(/[^\x21-\x7e]/g, '_').slice(0, 128);
    }
    const res = await apiRequest('POST', p, text, headers);
    if (res.status >= 300) {
        process.stderr.write(`runtime API answered ${res.status} to ${p}: `
            + res.body.toString('utf8', 0, 200) + '\n');
    }
}

/* console's methods write "TIME\tREQUEST_ID\tLEVEL\tMESSAGE" lines, as
 * Lambda's do (stdout is a pipe: node writes it synchronously). */
function patchConsole() {
    const levels = { log: 'INFO', info: 'INFO', warn: 'WARN', error: 'ERROR',
                     debug: 'DEBUG', trace: 'TRACE' };
    for (const [name, level] of Object.entries(levels)) {
        console[name] = (...args) => {
            let msg = util.format(...args);
            if (name === 'trace') {
                msg += '\n' + new Error().stack.split('\n').slice(2).join('\n');
            }
            process.stdout.write(`${new Date().toISOString()}\t${requestId}\t`
                + `${level}\t${msg.replace(/\n/g, '\r')}\n`);
        };
    }
}

/* Lambda's error document of a thrown value (Node.js shape: "trace"). */
function errorDoc(e, type) {
    if (e instanceof Error) {
        return {
            errorType: type || e.name || e.constructor.name,
            errorMessage: type ? `${e.name}: ${e.message}` : e.message,
            /* the stack without the runtime's own frames */
            trace: typeof e.stack === 'string'
                   ? e.stack.split('\n').filter((l) => !l.includes(__filename)
                                                       && !l.includes('new Promise (<anonymous>)'))
                   : [],
        };
    }
    let msg;
    try {
        msg = typeof e === 'string' ? e : JSON.stringify(e);
    } catch (_) {
        msg = String(e);
    }
    return { errorType: type || typeof e, errorMessage: String(msg),
             trace: [] };
}

function logError(what, doc) {
    console.error(`${what} \t${JSON.stringify(doc)}`);
}

async function initError(doc) {
    logError('Uncaught Exception', doc);
    await apiPost('/init/error', JSON.stringify(doc), doc.errorType);
    process.exit(1);
}

/* The nearest package.json's "type" above dir says how a .js file loads. */
function isModuleDir(dir) {
    for (;;) {
        try {
            const pkg = JSON.parse(fs.readFileSync(path.join(dir,
                                                             'package.json')));
            return pkg.type === 'module';
        } catch (e) {
            if (e.code !== 'ENOENT' && e.code !== 'ENOTDIR') {
                return false;
            }
        }
        const up = path.dirname(dir);
        if (up === dir) {
            return false;
        }
        dir = up;
    }
}

async function loadModule(root, name) {
    const base = path.resolve(root, name);
    const asEsm = (f) => import(require('url').pathToFileURL(f).href);
    if (fs.existsSync(base + '.js')) {
        return isModuleDir(path.dirname(base + '.js')) ? asEsm(base + '.js')
                                                       : require(base + '.js');
    }
    if (fs.existsSync(base + '.mjs')) {
        return asEsm(base + '.mjs');
    }
    if (fs.existsSync(base + '.cjs')) {
        return require(base + '.cjs');
    }
    return require(require.resolve(name, { paths: [root] }));
}

/* The handler's function, or an init error (the process then exits). */
async function loadHandler() {
    const slash = HANDLER.lastIndexOf('/');
    const dir = slash >= 0 ? HANDLER.slice(0, slash) : '';
    const m = /^([^.]+)\.(.+)$/.exec(HANDLER.slice(slash + 1));
    if (m === null) {
        return initError({ errorType: 'Runtime.MalformedHandlerName',
                           errorMessage: 'Bad handler', trace: [] });
    }
    const [, name, exportPath] = m;
    let mod;
    try {
        mod = await loadModule(path.resolve(TASK, dir), name);
    } catch (e) {
        if (e instanceof SyntaxError) {
            return initError(errorDoc(e, 'Runtime.UserCodeSyntaxError'));
        }
        if (e && (e.code === 'MODULE_NOT_FOUND'
                  || e.code === 'ERR_MODULE_NOT_FOUND'))
        {
            return initError(errorDoc(e, 'Runtime.ImportModuleError'));
        }
        return initError(errorDoc(e));
    }
    const fn = exportPath.split('.').reduce(
        (o, k) => (o === undefined || o === null ? undefined : o[k]), mod);
    if (fn === undefined) {
        return initError({ errorType: 'Runtime.HandlerNotFound',
            errorMessage: `${HANDLER} is undefined or not exported`,
            trace: [] });
    }
    if (typeof fn !== 'function') {
        return initError({ errorType: 'Runtime.HandlerNotFound',
            errorMessage: `${HANDLER} is not a function`, trace: [] });
    }
    return fn;
}

const env = process.env;
const contextBase = {
    functionName: env.AWS_LAMBDA_FUNCTION_NAME || '',
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION || '$LATEST',
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE || '128',
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME || '',
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME || '',
};

/*
 * One call of the handler: resolves to [error, result].  The first answer
 * wins: a returned promise settling, or the callback (context.done,
 * succeed and fail too).  A callback's answer waits for an empty event
 * loop ('beforeExit') unless the handler set
 * context.callbackWaitsForEmptyEventLoop = false; a handler that returns
 * no promise and never calls back answers null once the loop is empty.
 */
function runHandler(fn, event, headers) {
    return new Promise((resolve) => {
        const deadline = Number(headers['lambda-runtime-deadline-ms'] || 0);
        let settled = false, called = null, waiting = false;
        const finish = (err, value) => {
            if (!settled) {
                settled = true;
                resolve([err, value]);
            }
        };
        const atEmptyLoop = () => {
            if (!waiting) {
                waiting = true;
                process.once('beforeExit',
                             () => finish(...(called || [null, undefined])));
            }
        };
        const callback = (err, value) => {
            if (called !== null || settled) {
                return;
            }
            called = [err === undefined ? null : err, value];
            if (context.callbackWaitsForEmptyEventLoop) {
                atEmptyLoop();
            } else {
                finish(...called);
            }
        };
        const context = Object.assign({}, contextBase, {
            awsRequestId: requestId,
            invokedFunctionArn:
                headers['lambda-runtime-invoked-function-arn'] || '',
            callbackWaitsForEmptyEventLoop: true,
            getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
            done: callback,
            succeed: (value) => callback(null, value),
            fail: (err) => callback(err === undefined || err === null
                                    ? 'handled' : err),
        });
        let r;
        try {
            r = fn(event, context, callback);
        } catch (e) {
            finish(e === undefined || e === null ? 'handled' : e);
            return;
        }
        if (r !== null && typeof r === 'object' && typeof r.then === 'function')
        {
            r.then((v) => finish(null, v),
                   (e) => finish(e === undefined || e === null ? 'handled'
                                                               : e));
        } else if (called === null && !settled) {
            atEmptyLoop();
        }
    });
}

/* An error that escapes the handler's call (a callback that throws, a
 * promise nobody awaits) is the call's error, and the runtime exits, as on
 * Lambda; the next call starts it again. */
function fatal(doc) {
    logError('Uncaught Exception', doc);
    const p = requestId === undefined
        ? apiPost('/init/error', JSON.stringify(doc), doc.errorType)
        : apiPost(`/invocation/${requestId}/error`, JSON.stringify(doc),
                  doc.errorType);
    p.finally(() => process.exit(129));
}

async function main() {
    patchConsole();
    process.on('uncaughtException', (e) => fatal(errorDoc(e)));
    process.on('unhandledRejection', (e) => fatal(Object.assign(errorDoc(e),
        { errorType: 'Runtime.UnhandledPromiseRejection' })));
    process.chdir(TASK);
    const fn = await loadHandler();

    for (;;) {
        const next = await apiRequest('GET', '/invocation/next');
        if (next.status !== 200) {
            process.stderr.write(`runtime API answered ${next.status} to next\n`);
            process.exit(1);
        }
        requestId = next.headers['lambda-runtime-aws-request-id'] || '';
        if (next.headers['lambda-runtime-trace-id']) {
            env._X_AMZN_TRACE_ID = next.headers['lambda-runtime-trace-id'];
        }
        const p = `/invocation/${requestId}`;
        let event;
        try {
            event = next.body.length ? JSON.parse(next.body) : {};
        } catch (e) {
            const doc = errorDoc(e, 'Runtime.UnmarshalError');
            logError('Invoke Error', doc);
            await apiPost(p + '/error', JSON.stringify(doc), doc.errorType);
            continue;
        }
        const [err, value] = await runHandler(fn, event, next.headers);
        let out;
        if (err === null) {
            try {
                out = JSON.stringify(value);
                if (out === undefined) {    /* undefined, a function */
                    out = 'null';
                }
            } catch (e) {
                const doc = errorDoc(e, 'Runtime.MarshalError');
                logError('Invoke Error', doc);
                await apiPost(p + '/error', JSON.stringify(doc),
                              doc.errorType);
                continue;
            }
            await apiPost(p + '/response', out);
        } else {
            const doc = errorDoc(err);
            logError('Invoke Error', doc);
            await apiPost(p + '/error', JSON.stringify(doc), doc.errorType);
        }
    }
}

main();
