/**
 * A loopback HTTP proxy for tests that need the network to misbehave *after* the server has acted:
 * the answer is late, replaced by a 502, cut off by a connection reset, or held until the test lets
 * it go. The emulators' own `injectFault` answers instead of the API; this proxy forwards first, so
 * the target's state changes while the client sees a failure.
 *
 * Every request is forwarded as it came (method, path and query, headers, body) to the target and
 * the target's answer is sent back, unless a rule says otherwise. Rules are matched in the order they
 * were added; the first one that matches and has uses left applies. Requests are recorded (method,
 * path, statuses, the rule applied) but never their headers or bodies, and nothing is logged.
 */
import * as http from "http";
import type { AddressInfo, Socket } from "net";

/** What a rule does to a matching request. */
export type FaultKind = "delay" | "forwardThen502" | "forwardThenReset" | "hold" | "failBeforeForward";

/** Which requests a rule applies to, and how many of them. */
export interface RuleMatch {
  /**
   * Only requests with this method (any case), or one of these methods, match.
   * @default every method
   */
  readonly method?: string | readonly string[];
  /**
   * Only requests whose path (without the query string) matches this match.
   * @default every path
   */
  readonly path?: RegExp;
  /**
   * How many matching requests the rule applies to, counted from when it is added; `"always"` never
   * runs out.
   * @default 1
   */
  readonly times?: number | "always";
}

/** The answer of {@link RuleBuilder.failBeforeForward}. */
export interface FailAnswer {
  /**
   * Extra response headers, e.g. `{ "retry-after": "1" }`.
   * @default none
   */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * The body, sent as JSON.
   * @default `{ "error": "fault_proxy", "status": <status> }`
   */
  readonly body?: unknown;
}

/** Requests held by a {@link RuleBuilder.hold} rule: forwarded and answered by the target, not yet by the proxy. */
export interface HeldRequests {
  /** How many requests are held right now. */
  readonly count: number;
  /**
   * Resolves once `count` requests in all have been held (forwarded, answered by the target, and
   * waiting): the target has acted, the client is still waiting. Rejects if the proxy closes first.
   */
  waitUntilHeld(count?: number): Promise<void>;
  /** Answers every held request, and lets later matching requests through unheld. */
  release(): void;
}

/** Adds one rule for the requests {@link FaultProxy.when} selected. */
export interface RuleBuilder {
  /** Forwards, then waits `ms` before answering (make it longer than the client's timeout). */
  delay(ms: number): void;
  /** Forwards (the target acts), then answers 502 with a small JSON body instead of the target's answer. */
  forwardThen502(): void;
  /** Forwards (the target acts), then resets the client's connection without answering. */
  forwardThenReset(): void;
  /** Forwards, then holds the answer until the test calls `release()` on the returned handle. */
  hold(): HeldRequests;
  /** Answers `status` without forwarding: the target never sees the request. */
  failBeforeForward(status: number, answer?: FailAnswer): void;
}

/** What became of a request. */
export type ProxiedOutcome =
  /** Not answered yet (delayed, held, or still at the target). */
  | "pending"
  /** The client got an answer (`status`). */
  | "answered"
  /** The proxy reset the connection on purpose (`forwardThenReset`). */
  | "reset"
  /** The client closed the connection before it was answered (e.g. its timeout fired). */
  | "client-gone";

/** One request the proxy received: no headers, no bodies. */
export interface ProxiedRequest {
  /** Upper case. */
  readonly method: string;
  /** Without the query string. */
  readonly path: string;
  /** The rule applied, if any. */
  readonly fault: FaultKind | undefined;
  /** Whether the request was sent on to the target. */
  readonly forwarded: boolean;
  /** The target's status; undefined when not forwarded, not answered yet, or the target was unreachable. */
  readonly upstreamStatus: number | undefined;
  /** Why the target could not be reached (an errno such as `ECONNREFUSED`), if so; the client then got 502. */
  readonly upstreamError: string | undefined;
  /** The status the client got; undefined unless `outcome` is `answered`. */
  readonly status: number | undefined;
  readonly outcome: ProxiedOutcome;
}

/** A started proxy. */
export interface FaultProxy {
  /** The proxy's base URL, e.g. `http://127.0.0.1:43127` (no trailing slash). */
  readonly url: string;
  /** The URL requests are forwarded to, as given. */
  readonly targetUrl: string;
  /** Selects requests for a new rule: `proxy.when({ method: "POST", path: /\/api-keys$/ }).forwardThen502()`. */
  when(match?: RuleMatch): RuleBuilder;
  /** Removes every rule; held requests are released first. */
  clearRules(): void;
  /** Every request so far, oldest first (copies: later changes do not show). */
  requests(): ProxiedRequest[];
  /** Stops listening, destroys every client and upstream socket, drops timers and held answers. */
  close(): Promise<void>;
}

/** The target's answer, read in full. */
interface UpstreamAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

interface Rule {
  readonly kind: FaultKind;
  readonly method: readonly string[] | undefined;
  readonly path: RegExp | undefined;
  remaining: number;
  readonly delayMs?: number;
  readonly fail?: { readonly status: number; readonly answer: FailAnswer };
  readonly hold?: HoldState;
}

interface HoldState {
  released: boolean;
  heldTotal: number;
  readonly waiting: (() => void)[];
  readonly waiters: { readonly count: number; readonly resolve: () => void; readonly reject: (e: Error) => void }[];
}

type MutableRecord = { -readonly [K in keyof ProxiedRequest]: ProxiedRequest[K] };

/** Request and response headers a proxy does not pass on (RFC 9110 §7.6.1), plus those it recomputes. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "content-length",
  "host",
]);

/**
 * Starts a proxy on 127.0.0.1 (a free port) that forwards to `targetUrl` (http only). A path prefix
 * in `targetUrl` is put in front of every forwarded path; the `Host` header is the target's.
 */
export async function startFaultProxy(targetUrl: string): Promise<FaultProxy> {
  const target = parseTarget(targetUrl);
  const rules: Rule[] = [];
  const records: MutableRecord[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const upstreamRequests = new Set<http.ClientRequest>();
  const agent = new http.Agent({ keepAlive: false });
  let closed = false;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("error", () => req.socket.destroy());
    req.on("end", () => handle(req, res, Buffer.concat(chunks)));
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  function handle(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
    const method = (req.method ?? "GET").toUpperCase();
    const path = (req.url ?? "/").split("?")[0];
    const rule = takeRule(rules, method, path);
    const record: MutableRecord = {
      method,
      path,
      fault: rule?.kind,
      forwarded: false,
      upstreamStatus: undefined,
      upstreamError: undefined,
      status: undefined,
      outcome: "pending",
    };
    records.push(record);
    res.on("close", () => {
      if (record.outcome === "pending") record.outcome = "client-gone";
    });

    if (rule?.kind === "failBeforeForward") {
      const { status, answer } = rule.fail!;
      reply(res, record, status, jsonAnswer(answer.body ?? { error: "fault_proxy", status }, answer.headers));
      return;
    }

    record.forwarded = true;
    forward(req, method, body, (error, upstream) => {
      if (closed) return;
      if (error || !upstream) {
        record.upstreamError = error ?? "unknown";
        reply(res, record, 502, jsonAnswer({ error: "fault_proxy_upstream_unreachable", code: record.upstreamError }));
        return;
      }
      record.upstreamStatus = upstream.status;
      const passThrough = () => reply(res, record, upstream.status, { headers: upstream.headers, body: upstream.body });
      switch (rule?.kind) {
        case undefined:
          passThrough();
          return;
        case "delay": {
          const timer = setTimeout(() => {
            timers.delete(timer);
            passThrough();
          }, rule.delayMs);
          timers.add(timer);
          return;
        }
        case "forwardThen502":
          reply(res, record, 502, jsonAnswer({ error: "fault_proxy_bad_gateway", message: "the fault proxy replaced the target's answer" }));
          return;
        case "forwardThenReset":
          if (record.outcome === "pending") record.outcome = "reset";
          resetSocket(req.socket);
          return;
        case "hold":
          holdAnswer(rule.hold!, passThrough);
          return;
      }
    });
  }

  function forward(req: http.IncomingMessage, method: string, body: Buffer, done: (error: string | undefined, answer?: UpstreamAnswer) => void): void {
    const headers: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
    }
    headers.host = target.host;
    if (body.length > 0 || !["GET", "HEAD", "DELETE", "OPTIONS"].includes(method)) headers["content-length"] = body.length;
    const upstream = http.request(
      { agent, hostname: target.hostname, port: target.port, method, path: target.pathPrefix + (req.url ?? "/"), headers },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", (e) => finish(errnoOf(e)));
        response.on("end", () => finish(undefined, { status: response.statusCode ?? 502, headers: response.headers, body: Buffer.concat(chunks) }));
      },
    );
    let finished = false;
    const finish = (error: string | undefined, answer?: UpstreamAnswer) => {
      if (finished) return;
      finished = true;
      upstreamRequests.delete(upstream);
      done(error, answer);
    };
    upstreamRequests.add(upstream);
    upstream.on("error", (e) => finish(errnoOf(e)));
    upstream.end(body);
  }

  function holdAnswer(hold: HoldState, answer: () => void): void {
    if (hold.released) {
      answer();
      return;
    }
    hold.waiting.push(answer);
    hold.heldTotal++;
    for (const waiter of hold.waiters.filter((w) => hold.heldTotal >= w.count)) {
      hold.waiters.splice(hold.waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }

  function releaseAll(): void {
    for (const rule of rules) if (rule.hold) releaseHold(rule.hold);
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    targetUrl,
    when(match: RuleMatch = {}): RuleBuilder {
      const base = ruleBase(match);
      const add = (rule: Rule) => {
        if (closed) throw new Error("the fault proxy is closed: add rules before `close()`");
        rules.push(rule);
      };
      return {
        delay(ms: number) {
          if (!Number.isFinite(ms) || ms < 0) throw new Error(`delay \`ms\` must be a non-negative number of milliseconds (got ${ms})`);
          add({ ...base, kind: "delay", delayMs: ms });
        },
        forwardThen502: () => add({ ...base, kind: "forwardThen502" }),
        forwardThenReset: () => add({ ...base, kind: "forwardThenReset" }),
        hold(): HeldRequests {
          const hold: HoldState = { released: false, heldTotal: 0, waiting: [], waiters: [] };
          add({ ...base, kind: "hold", hold });
          return {
            get count() {
              return hold.waiting.length;
            },
            waitUntilHeld(count = 1) {
              if (!Number.isInteger(count) || count < 1) throw new Error(`\`count\` must be a positive integer (got ${count})`);
              if (hold.heldTotal >= count) return Promise.resolve();
              if (closed) return Promise.reject(new Error("the fault proxy closed before the request was held"));
              return new Promise<void>((resolve, reject) => hold.waiters.push({ count, resolve, reject }));
            },
            release: () => releaseHold(hold),
          };
        },
        failBeforeForward(status: number, answer: FailAnswer = {}) {
          if (!Number.isInteger(status) || status < 100 || status > 599) {
            throw new Error(`failBeforeForward \`status\` must be an HTTP status between 100 and 599 (got ${status})`);
          }
          add({ ...base, kind: "failBeforeForward", fail: { status, answer } });
        },
      };
    },
    clearRules() {
      releaseAll();
      rules.length = 0;
    },
    requests: () => records.map((r) => ({ ...r })),
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        closed = true;
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        for (const rule of rules) {
          if (!rule.hold) continue;
          rule.hold.waiting.length = 0;
          for (const waiter of rule.hold.waiters.splice(0)) waiter.reject(new Error("the fault proxy closed before the request was held"));
        }
        for (const upstream of upstreamRequests) upstream.destroy();
        upstreamRequests.clear();
        agent.destroy();
        server.close((error) => (error ? reject(error) : resolve()));
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

function releaseHold(hold: HoldState): void {
  hold.released = true;
  for (const answer of hold.waiting.splice(0)) answer();
}

/** Finds the first rule for this request with uses left and uses it up once. */
function takeRule(rules: Rule[], method: string, path: string): Rule | undefined {
  const index = rules.findIndex((r) => r.remaining > 0 && (r.method === undefined || r.method.includes(method)) && (r.path === undefined || r.path.test(path)));
  if (index < 0) return undefined;
  const rule = rules[index];
  if (--rule.remaining === 0 && !rule.hold) rules.splice(index, 1);
  // A used-up hold rule stays in the list (with no uses left) so `clearRules` and `close` still see its held answers.
  return rule;
}

function ruleBase(match: RuleMatch): Pick<Rule, "method" | "path" | "remaining"> {
  const times = match.times ?? 1;
  if (times !== "always" && (!Number.isInteger(times) || times < 1)) {
    throw new Error(`\`times\` must be a positive integer or "always" (got ${JSON.stringify(times)})`);
  }
  const methods = match.method === undefined ? undefined : typeof match.method === "string" ? [match.method] : [...match.method];
  if (methods !== undefined && (methods.length === 0 || !methods.every((m) => typeof m === "string" && /^[A-Za-z]+$/.test(m)))) {
    throw new Error(`\`method\` must be an HTTP method such as "POST", or a list of them (got ${JSON.stringify(match.method)})`);
  }
  return {
    method: methods?.map((m) => m.toUpperCase()),
    // Without the g and y flags, so `test` keeps no state between requests.
    path: match.path && new RegExp(match.path.source, match.path.flags.replace(/[gy]/g, "")),
    remaining: times === "always" ? Infinity : times,
  };
}

function parseTarget(targetUrl: string): { hostname: string; port: number; host: string; pathPrefix: string } {
  let url: URL;
  try {
    url = new URL(targetUrl);
  } catch {
    throw new Error(`\`targetUrl\` must be an absolute http URL (got ${JSON.stringify(targetUrl)})`);
  }
  if (url.protocol !== "http:") throw new Error(`\`targetUrl\` must use http (got ${JSON.stringify(targetUrl)})`);
  if (url.search || url.hash) throw new Error(`\`targetUrl\` must not have a query or fragment (got ${JSON.stringify(targetUrl)})`);
  return {
    hostname: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: Number(url.port || 80),
    host: url.host,
    pathPrefix: url.pathname.replace(/\/+$/, ""),
  };
}

function jsonAnswer(body: unknown, headers: Readonly<Record<string, string>> = {}): { headers: http.OutgoingHttpHeaders; body: Buffer } {
  return { headers: { ...headers, "content-type": "application/json" }, body: Buffer.from(JSON.stringify(body), "utf8") };
}

function reply(
  res: http.ServerResponse,
  record: MutableRecord,
  status: number,
  answer: { headers: http.IncomingHttpHeaders | http.OutgoingHttpHeaders; body: Buffer },
): void {
  if (record.outcome !== "pending" || res.destroyed) return;
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(answer.headers)) {
    if (!HOP_BY_HOP.has(name.toLowerCase()) && value !== undefined) headers[name.toLowerCase()] = value;
  }
  if (status !== 204 && status !== 304) headers["content-length"] = answer.body.length;
  record.status = status;
  record.outcome = "answered";
  res.writeHead(status, headers);
  res.end(status === 204 || status === 304 ? undefined : answer.body);
}

/** Closes the connection with a TCP RST where Node can, so the client sees ECONNRESET. */
function resetSocket(socket: Socket): void {
  if (typeof socket.resetAndDestroy === "function") socket.resetAndDestroy();
  else socket.destroy();
}

function errnoOf(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === "string" ? code : "EUNKNOWN";
}
