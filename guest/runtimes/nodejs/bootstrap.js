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
const net = require('net');
const path = require('path');
const util = require('util');

const API = process.env.AWS_LAMBDA_RUNTIME_API || '127.0.0.1:9001';
const BASE = '/2018-06-01/runtime';
const TASK = process.env.LAMBDA_TASK_ROOT || '/var/task';
const HANDLER = process.env._HANDLER || '';

let requestId;                      /* the call in progress, for the log */

/*
 * One keep-alive HTTP/1.1 connection to the Runtime API, on a plain socket
 * (net): with node's http client (its parser, agent and streams) a warm
 * no-op took 140 ms at the client in a TCG guest, this way 15 ms
 * (BENCHMARKS.md); the API's answers are simple (a status, headers, a
 * Content-Length body).
 *
 * A call's answer goes out together with the next GET .../next (HTTP/1.1
 * pipelining), as the python3.11 runtime does, so the agent has the next
 * request as soon as it has the answer.  While nothing is in flight the
 * socket is unref'd: it does not hold the event loop, so "the event loop
 * is empty" means the function's own work is done.
 */
class RuntimeApi {
    constructor(api) {
        this.host = api.slice(0, api.lastIndexOf(':'));
        this.port = Number(api.slice(api.lastIndexOf(':') + 1));
        this.sock = null;
        this.buf = Buffer.alloc(0);
        this.waiting = [];          /* the answers in flight, in order */
        this.pendingNext = null;    /* a pipelined GET .../next's answer */
    }

    connect() {
        const s = net.connect({ host: this.host, port: this.port });
        const fail = (e) => {
            if (this.sock === s) {
                this.sock = null;
            }
            const w = this.waiting;
            this.waiting = [];
            for (const x of w) {
                x.reject(e || new Error('runtime API closed the connection'));
            }
        };
        s.setNoDelay(true);
        s.on('data', (d) => {
            this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
            this.parse(s);
        });
        s.on('error', fail);
        s.on('close', () => fail());
        this.sock = s;
        this.buf = Buffer.alloc(0);
    }

    /* Hands each complete answer in the buffer to its request. */
    parse(s) {
        while (this.waiting.length > 0) {
            const end = this.buf.indexOf('\r\n\r\n');
            if (end < 0) {
                return;
            }
            const lines = this.buf.toString('latin1', 0, end).split('\r\n');
            const headers = {};
            for (const l of lines.slice(1)) {
                const i = l.indexOf(':');
                headers[l.slice(0, i).trim().toLowerCase()] =
                    l.slice(i + 1).trim();
            }
            const len = Number(headers['content-length'] || 0);
            if (this.buf.length < end + 4 + len) {
                return;
            }
            const res = { status: Number(lines[0].split(' ')[1]), headers,
                          body: this.buf.subarray(end + 4, end + 4 + len) };
            this.buf = this.buf.subarray(end + 4 + len);
            const w = this.waiting.shift();
            if (this.waiting.length === 0) {
                s.unref();
            }
            if ((headers.connection || '').toLowerCase() === 'close') {
                this.sock = null;
                s.destroy();
            }
            w.resolve(res);
        }
    }

    /* Sends the requests (each [method, path, body, headers]) at once; the
     * promises of their answers. */
    send(reqs) {
        if (this.sock === null) {
            this.connect();
        }
        const parts = [];
        for (const [method, p, body, headers] of reqs) {
            const data = body === undefined ? Buffer.alloc(0)
                                            : Buffer.from(body);
            let head = `${method} ${BASE}${p} HTTP/1.1\r\nHost: ${API}\r\n`;
            for (const [k, v] of Object.entries(headers || {})) {
                head += `${k}: ${v}\r\n`;
            }
            parts.push(Buffer.from(`${head}Content-Length: ${data.length}`
                                   + '\r\n\r\n', 'latin1'), data);
        }
        this.sock.ref();
        this.sock.write(Buffer.concat(parts));
        return reqs.map(() => new Promise((resolve, reject) =>
            this.waiting.push({ resolve, reject })));
    }

    /* One request (then_next: a GET .../next right behind it); once again
     * on a new connection when the kept one failed (the agent closes it
     * after a malformed request). */
    async request(method, p, body, headers, thenNext) {
        const reqs = [[method, p, body, headers]];
        if (thenNext) {
            reqs.push(['GET', '/invocation/next']);
        }
        let answers = this.send(reqs);
        answers.forEach((a) => a.catch(() => {}));
        try {
            await answers[0];
        } catch (e) {
            answers = this.send(reqs);
            answers.forEach((a) => a.catch(() => {}));
        }
        this.pendingNext = thenNext ? answers[1] : null;
        return answers[0];
    }

    /* The next event: the pipelined GET's answer, or a new GET's. */
    async next() {
        const pending = this.pendingNext;
        this.pendingNext = null;
        if (pending !== null) {
            try {
                return await pending;
            } catch (e) {
                /* the connection went away: ask again */
            }
        }
        return this.request('GET', '/invocation/next');
    }

    async post(p, text, errorType, thenNext) {
        const headers = { 'Content-Type': 'application/json' };
        if (errorType) {            /* a header's value: printable ASCII */
            headers['Lambda-Runtime-Function-Error-Type'] =
                String(errorType).replace(/[^\x21-\x7e]/g, '_').slice(0, 128);
        }
        const res = await this.request('POST', p, text, headers, thenNext);
        if (res.status >= 300) {
            process.stderr.write(`runtime API answered ${res.status} to ${p}: `
                + res.body.toString('utf8', 0, 200) + '\n');
        }
    }
}

const api = new RuntimeApi(API);

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

/* A stack line of the runtime's own (the frames that called the handler). */
function isRuntimeFrame(line) {
    return line.includes(__filename)
           || line.includes('at new Promise (<anonymous>)');
}

/* Lambda's error document of a thrown value (Node.js shape: "trace"). */
function errorDoc(e, type) {
    if (e instanceof Error) {
        return {
            errorType: type || e.name || e.constructor.name,
            errorMessage: type ? `${e.name}: ${e.message}` : e.message,
            trace: typeof e.stack === 'string' ? e.stack.split('\n')
                .filter((l) => !isRuntimeFrame(l)) : [],
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
    await api.post('/init/error', JSON.stringify(doc), doc.errorType);
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

/*
 * The call's temporary credentials (the agent's Lambda-Runtime-Fngate-
 * Credentials header: "AKID:SECRET:TOKEN:EXPIRATION"), in the environment
 * only while the handler runs.  The SDK's environment provider reads them
 * again once they are within 5 minutes of AWS_CREDENTIAL_EXPIRATION, so a
 * client made at load time signs each call of a function whose timeout
 * is at most 5 minutes with that call's credentials.
 */
const CREDENTIALS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY',
                     'AWS_SESSION_TOKEN', 'AWS_CREDENTIAL_EXPIRATION'];

function setCredentials(value) {
    const parts = [];
    let rest = value || '';
    for (let i = 0; i < 3 && rest.indexOf(':') >= 0; i++) {
        parts.push(rest.slice(0, rest.indexOf(':')));
        rest = rest.slice(rest.indexOf(':') + 1);
    }
    parts.push(rest);
    if (parts.length === 4) {
        CREDENTIALS.forEach((name, i) => { env[name] = parts[i]; });
    }
}

function clearCredentials() {
    CREDENTIALS.forEach((name) => { delete env[name]; });
}

/* An error that escapes the handler's call (a callback that throws, a
 * promise nobody awaits) is the call's error, and the runtime exits, as on
 * Lambda; the next call starts it again. */
function fatal(doc) {
    logError('Uncaught Exception', doc);
    const p = requestId === undefined
        ? api.post('/init/error', JSON.stringify(doc), doc.errorType)
        : api.post(`/invocation/${requestId}/error`, JSON.stringify(doc),
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
        const next = await api.next();
        if (next.status !== 200) {
            process.stderr.write(
                `runtime API answered ${next.status} to next\n`);
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
            await api.post(p + '/error', JSON.stringify(doc), doc.errorType,
                           true);
            continue;
        }
        setCredentials(next.headers['lambda-runtime-fngate-credentials']);
        const [err, value] = await runHandler(fn, event, next.headers);
        clearCredentials();
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
                await api.post(p + '/error', JSON.stringify(doc),
                               doc.errorType, true);
                continue;
            }
            await api.post(p + '/response', out, undefined, true);
        } else {
            const doc = errorDoc(err);
            logError('Invoke Error', doc);
            await api.post(p + '/error', JSON.stringify(doc), doc.errorType,
                           true);
        }
    }
}

main();
