#if Hummingbird
/// The demo page: one self-contained HTML document (no external resources) that renders the
/// stages from the embedded config, runs each button's `fetch()` and shows what happened.
enum DemoPage {
    /// The page with `config` (the JSON from `DemoStages.json(apiOrigin:)`) embedded.
    static func html(config: String) -> String {
        template.replacingOccurrences(of: "__DEMO_CONFIG__", with: config)
    }

    private static let template = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>swift-cors demo: CORS, stage by stage</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>
          :root { --ok: #137333; --ok-bg: #e6f4ea; --bad: #b3261e; --bad-bg: #fce8e6; --ink: #1f2328; --muted: #57606a; --line: #d0d7de; --accent: #0b57d0; }
          * { box-sizing: border-box; }
          body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); margin: 0; background: #f6f8fa; }
          header { background: #24292f; color: #fff; padding: 18px 28px; }
          header h1 { margin: 0 0 4px; font-size: 22px; }
          header p { margin: 0; color: #d0d7de; }
          header code { color: #fff; }
          main { max-width: 1180px; margin: 0 auto; padding: 18px 28px 60px; }
          section.stage { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; margin: 18px 0; }
          section.stage h2 { margin: 0 0 6px; font-size: 19px; }
          .server-config { color: var(--muted); font-size: 13px; margin: 6px 0 10px; }
          .lint { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 6px; padding: 8px 12px; font-size: 13px; margin: 8px 0; }
          .lint pre { margin: 4px 0 0; white-space: pre-wrap; }
          button.run { font: inherit; font-weight: 600; padding: 7px 14px; margin: 4px 8px 4px 0; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
          button.run:disabled { opacity: .5; cursor: wait; }
          button.run[data-outcome="allowed"] { background: var(--ok); border-color: var(--ok); }
          button.run[data-outcome="blocked"] { background: var(--bad); border-color: var(--bad); }
          .result { margin-top: 12px; border-top: 1px dashed var(--line); padding-top: 10px; }
          .result:empty { display: none; }
          .result h3 { margin: 0 0 8px; font-size: 15px; }
          .grid { display: grid; grid-template-columns: 1fr 1fr; gap: 10px; }
          .card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; background: #fff; min-width: 0; }
          .card h4 { margin: 0 0 6px; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
          .card.allowed { background: var(--ok-bg); border-color: #a8dab5; }
          .card.blocked { background: var(--bad-bg); border-color: #f4b4ad; }
          pre, code { font: 12.5px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
          pre { margin: 0; white-space: pre-wrap; word-break: break-word; }
          .verdict { font-weight: 700; font-size: 16px; }
          .verdict.allowed { color: var(--ok); }
          .verdict.blocked { color: var(--bad); }
          .hl { background: #fff3b0; }
          .note { color: var(--muted); font-size: 13px; margin: 4px 0; }
          .agree { font-weight: 600; margin-top: 6px; }
          .agree.yes { color: var(--ok); }
          .agree.no { color: var(--bad); }
          .fix { margin-top: 6px; }
          .sequence { margin-top: 10px; border: 1px solid var(--line); border-radius: 6px; background: #fff; overflow-x: auto; }
          .sequence svg { display: block; }
          .fetch-label { font-weight: 600; margin: 10px 0 4px; }
        </style>
        </head>
        <body>
        <header>
          <h1>CORS, stage by stage</h1>
          <p>This page is <code id="page-origin"></code>; the API is <code id="api-origin"></code>: a different port, so a different origin.
          Every button makes a real <code>fetch()</code> from this page. Beside what the browser did, swift-cors' browser engine runs the same request and explains it.</p>
        </header>
        <main id="stages"></main>
        <script id="demo-config" type="application/json">__DEMO_CONFIG__</script>
        <script>
        "use strict";
        const CONFIG = JSON.parse(document.getElementById("demo-config").textContent);
        const API = CONFIG.apiOrigin;
        window.demoResults = {};
        let busy = false;
        let runs = 0;
        const CORS_HEADER = /^(access-control-|vary$|origin$)/i;

        function el(tag, attrs, ...children) {
          const node = document.createElement(tag);
          for (const [key, value] of Object.entries(attrs || {})) {
            if (key === "class") node.className = value;
            else if (key === "html") node.innerHTML = value;  // only our own stage texts
            else node.setAttribute(key, value);
          }
          for (const child of children) {
            if (child === null || child === undefined) continue;
            node.append(typeof child === "string" ? document.createTextNode(child) : child);
          }
          return node;
        }

        function headerLines(pairs, prefix) {
          const pre = el("pre");
          for (const [name, value] of pairs) {
            const line = el("span", CORS_HEADER.test(name) || /^cookie$/i.test(name) ? { class: "hl" } : {}, `${prefix}${name}: ${value}`);
            pre.append(line, "\n");
          }
          return pre;
        }

        async function apiLog(since) {
          const response = await fetch(`/log?since=${since}`, { cache: "no-store" });
          return response.json();
        }

        /** The page's own fetch(): what the browser lets the script see. */
        async function browserFetch(button, url) {
          const init = { method: button.method, credentials: button.credentials, headers: button.headers };
          if (button.body !== undefined) init.body = button.body;
          try {
            const response = await fetch(url, init);
            const verdict = { allowed: true, status: response.status, readableHeaders: [...response.headers], body: await response.text() };
            if (button.readsHeader) {
              verdict.headerValue = response.headers.get(button.readsHeader);
              verdict.headerReadable = verdict.headerValue !== null;
            }
            return verdict;
          } catch (error) {
            return { allowed: false, error: `${error.name}: ${error.message}` };
          }
        }

        function fetchCall(button, url) {
          const init = { method: button.method };
          if (button.headers.length) init.headers = Object.fromEntries(button.headers);
          if (button.body !== undefined) init.body = button.body;
          if (button.credentials !== "same-origin") init.credentials = button.credentials;
          return `fetch("${url}", ${JSON.stringify(init, null, 1).replace(/\n\s*/g, " ")})`;
        }

        function requestCard(button, url) {
          const card = el("div", { class: "card" }, el("h4", {}, "The request (page → browser)"), el("pre", {}, fetchCall(button, url)));
          if (button.credentials === "include") card.append(el("p", { class: "note" }, `document.cookie before it: ${document.cookie || "(none)"}`));
          return card;
        }

        function serverCard(seen) {
          const card = el("div", { class: "card" }, el("h4", {}, "What the server received and sent (recorded by the API)"));
          if (!seen.length) card.append(el("p", { class: "note" }, "Nothing reached the server."));
          for (const exchange of seen) {
            const preflight = exchange.method === "OPTIONS";
            card.append(el("div", { class: "fetch-label" }, `${preflight ? "Preflight: " : ""}${exchange.method} ${exchange.path}${exchange.query ? "?" + exchange.query : ""}`));
            card.append(headerLines(exchange.requestHeaders, "> "));
            card.append(el("pre", {}, `< ${exchange.status}`));
            card.append(headerLines(exchange.responseHeaders, "< "));
            if (exchange.serverDecision) card.append(el("p", { class: "note" }, `swift-cors on the server: ${exchange.serverDecision}`));
          }
          return card;
        }

        function browserCard(button, verdict) {
          const state = verdict.allowed ? "allowed" : "blocked";
          const card = el("div", { class: `card ${state}` }, el("h4", {}, "The browser's verdict (what fetch gave the page)"));
          if (verdict.allowed) {
            card.append(el("div", { class: "verdict allowed" }, `Allowed: status ${verdict.status}`));
            card.append(el("p", { class: "note" }, "Headers the script can read:"), headerLines(verdict.readableHeaders, ""));
            if (button.readsHeader) {
              card.append(el("p", {}, `response.headers.get("${button.readsHeader}") → ${verdict.headerValue === null ? "null (not exposed)" : JSON.stringify(verdict.headerValue)}`));
            }
            card.append(el("p", { class: "note" }, "Body:"), el("pre", {}, verdict.body));
          } else {
            card.append(el("div", { class: "verdict blocked" }, "Blocked"), el("pre", {}, `fetch() rejected: ${verdict.error}`));
            card.append(el("p", { class: "note" }, "The page gets no status, no headers, no body: the reason is only in the browser's console."));
          }
          return card;
        }

        function engineCard(engine, verdict) {
          const state = engine.allowed ? "allowed" : "blocked";
          const card = el("div", { class: `card ${state}` }, el("h4", {}, "swift-cors' browser engine, same request"));
          card.append(el("div", { class: `verdict ${state}` }, engine.allowed ? `Allowed: status ${engine.status}` : `Blocked: ${engine.kind || ""}`));
          if (engine.chromiumMessage) card.append(el("pre", {}, engine.chromiumMessage));
          card.append(el("p", {}, engine.explanation));
          if (engine.fix) card.append(el("p", { class: "fix" }, el("strong", {}, "Fix: "), engine.fix));
          const agrees = engine.allowed === verdict.allowed;
          card.append(el("div", { class: `agree ${agrees ? "yes" : "no"}` }, agrees ? "✓ agrees with the browser" : "✗ disagrees with the browser"));
          return card;
        }

        /** A sequence picture: page, browser and server lanes; preflight, then the actual request. */
        function sequence(button, fetches) {
          const NS = "http://www.w3.org/2000/svg";
          const lanes = { page: 130, browser: 400, server: 670 };
          const titles = { page: ["Page", CONFIG.pageOrigin], browser: ["Browser", "CORS checks"], server: ["Server", API] };
          const rows = [];
          fetches.forEach(({ verdict, seen }, index) => {
            const suffix = fetches.length > 1 ? ` (#${index + 1})` : "";
            rows.push({ from: "page", to: "browser", text: `fetch(${button.method} ${button.path})${suffix}` });
            const preflighted = list => list.some(e => e.method === "OPTIONS");
            if (!preflighted(seen) && fetches.slice(0, index).some(earlier => preflighted(earlier.seen))) {
              rows.push({ note: "browser", text: "preflight cache hit: no OPTIONS" });
            }
            for (const exchange of seen) {
              const preflight = exchange.method === "OPTIONS";
              rows.push({ from: "browser", to: "server", text: `${preflight ? "preflight " : ""}${exchange.method} ${exchange.path}`, kind: preflight ? "preflight" : "" });
              const acao = exchange.responseHeaders.find(([name]) => name.toLowerCase() === "access-control-allow-origin");
              rows.push({ from: "server", to: "browser", text: `${exchange.status} ${acao ? "Allow-Origin: " + acao[1] : "no Allow-Origin"}`, kind: preflight ? "preflight" : "" });
            }
            if (!verdict.allowed && seen.length && seen[seen.length - 1].method === "OPTIONS") {
              rows.push({ note: "browser", text: "preflight refused: the actual request is never sent", kind: "bad" });
            }
            rows.push({ from: "browser", to: "page", text: verdict.allowed ? `Response ${verdict.status}` : verdict.error, kind: verdict.allowed ? "ok" : "bad" });
          });
          const height = 62 + rows.length * 34;
          const svg = document.createElementNS(NS, "svg");
          svg.setAttribute("width", "800");
          svg.setAttribute("height", String(height));
          svg.setAttribute("viewBox", `0 0 800 ${height}`);
          const add = (tag, attrs, text) => {
            const node = document.createElementNS(NS, tag);
            for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
            if (text !== undefined) node.textContent = text;
            svg.append(node);
            return node;
          };
          const colors = { ok: "#137333", bad: "#b3261e", preflight: "#8250df", "": "#1f2328" };
          const defs = document.createElementNS(NS, "defs");
          for (const [kind, color] of Object.entries(colors)) {
            const marker = document.createElementNS(NS, "marker");
            for (const [key, value] of Object.entries({ id: `arrow-${button.id}-${kind || "plain"}`, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" })) marker.setAttribute(key, String(value));
            const path = document.createElementNS(NS, "path");
            path.setAttribute("d", "M0,0 L10,5 L0,10 z");
            path.setAttribute("fill", color);
            marker.append(path);
            defs.append(marker);
          }
          svg.append(defs);
          for (const [lane, x] of Object.entries(lanes)) {
            add("text", { x, y: 18, "text-anchor": "middle", "font-weight": 700, "font-size": 14 }, titles[lane][0]);
            add("text", { x, y: 34, "text-anchor": "middle", "font-size": 11, fill: "#57606a" }, titles[lane][1]);
            add("line", { x1: x, y1: 42, x2: x, y2: height - 6, stroke: "#d0d7de", "stroke-width": 2, "stroke-dasharray": "4 4" });
          }
          rows.forEach((row, index) => {
            const y = 72 + index * 34;
            const kind = row.kind || "";
            const color = colors[kind];
            if (row.note) {
              add("text", { x: lanes[row.note], y: y + 4, "text-anchor": "middle", "font-size": 12, "font-style": "italic", fill: kind ? color : "#57606a" }, row.text);
              return;
            }
            const x1 = lanes[row.from], x2 = lanes[row.to];
            add("line", { x1, y1: y, x2: x2 + (x2 > x1 ? -4 : 4), y2: y, stroke: color, "stroke-width": 1.6, "marker-end": `url(#arrow-${button.id}-${kind || "plain"})` });
            add("text", { x: (x1 + x2) / 2, y: y - 6, "text-anchor": "middle", "font-size": 12, fill: color }, row.text.length > 46 ? row.text.slice(0, 45) + "…" : row.text);
          });
          return el("div", { class: "sequence" }, svg);
        }

        async function run(stage, button, buttonElement, resultElement) {
          if (busy) return;
          busy = true;
          document.querySelectorAll("button.run").forEach(b => b.disabled = true);
          try {
            runs += 1;
            const runID = `${Date.now()}${runs}`;
            const url = `${API}${button.path}?run=${runID}`;
            if (button.credentials === "include") {
              document.cookie = `${CONFIG.cookieName}=visitor-${runID}; path=/; SameSite=Lax`;
            }
            resultElement.replaceChildren(el("p", { class: "note" }, "Running…"));
            const fetches = [];
            for (let index = 0; index < button.repeats; index++) {
              const mark = (await apiLog(1e15)).count;
              const verdict = await browserFetch(button, url);
              const seen = (await apiLog(mark)).exchanges;
              fetches.push({ verdict, seen });
            }
            const engineResponse = await fetch(`/engine?button=${encodeURIComponent(button.id)}&run=${runID}`, { cache: "no-store" });
            const engine = await engineResponse.json();
            const engines = engine.fetches || [];
            resultElement.replaceChildren(el("h3", {}, `Result: ${button.label}`));
            if (engine.error) resultElement.append(el("p", { class: "note" }, `swift-cors' engine could not run: ${engine.error}`));
            fetches.forEach(({ verdict, seen }, index) => {
              if (fetches.length > 1) resultElement.append(el("div", { class: "fetch-label" }, `Request #${index + 1}`));
              const grid = el("div", { class: "grid" }, requestCard(button, url), serverCard(seen), browserCard(button, verdict));
              grid.append(engines[index] ? engineCard(engines[index], verdict) : el("div", { class: "card" }, "No verdict from swift-cors' engine."));
              resultElement.append(grid);
            });
            const cookies = fetches.flatMap(f => f.seen).flatMap(e => e.requestHeaders).filter(([name]) => name.toLowerCase() === "cookie").map(([, value]) => value);
            if (button.credentials === "include") {
              resultElement.append(el("p", {}, el("strong", {}, "Cookie the server received: "), cookies.length ? cookies.join("; ") : "(none)"));
            }
            if (button.repeats > 1) {
              const options = fetches.map(f => f.seen.filter(e => e.method === "OPTIONS").length);
              resultElement.append(el("p", {}, el("strong", {}, "Preflights seen by the server: "), options.map((n, i) => `request #${i + 1}: ${n}`).join(", ")));
            }
            resultElement.append(sequence(button, fetches));
            const outcome = fetches.every(f => f.verdict.allowed) ? "allowed" : "blocked";
            const engineOutcome = engines.length && engines.every(e => e.allowed) ? "allowed" : "blocked";
            window.demoResults[button.id] = {
              outcome, engineOutcome,
              browser: fetches.map(f => f.verdict), server: fetches.map(f => f.seen), engine: engines, cookies,
            };
            resultElement.dataset.outcome = outcome;
            buttonElement.dataset.engine = engineOutcome;
            buttonElement.dataset.outcome = outcome;
          } catch (error) {
            resultElement.replaceChildren(el("p", { class: "note" }, `The demo itself failed: ${error}`));
            buttonElement.dataset.outcome = "error";
          } finally {
            busy = false;
            document.querySelectorAll("button.run").forEach(b => b.disabled = false);
          }
        }

        function render() {
          document.getElementById("page-origin").textContent = CONFIG.pageOrigin;
          document.getElementById("api-origin").textContent = API;
          const main = document.getElementById("stages");
          for (const stage of CONFIG.stages) {
            const section = el("section", { class: "stage", id: `stage${stage.number}` },
              el("h2", {}, `${stage.number}. ${stage.title}`),
              el("p", { html: stage.lesson }),
              el("p", { class: "server-config" }, `Server: ${stage.server}`));
            if (stage.number === 4) {
              section.append(el("div", { class: "lint" },
                "swift-cors will not serve the wildcard route: validating CORSPolicy(allowOrigins: [\"*\"], allowCredentials: true) says",
                el("pre", {}, CONFIG.wildcardLint)));
            }
            const buttons = el("div", {});
            const results = el("div", {});
            for (const button of stage.buttons) {
              const buttonElement = el("button", { class: "run", "data-button": button.id, type: "button" }, button.label);
              const resultElement = el("div", { class: "result", id: `result-${button.id}` });
              buttonElement.addEventListener("click", () => run(stage, button, buttonElement, resultElement));
              buttons.append(buttonElement);
              results.append(resultElement);
            }
            section.append(buttons, results);
            main.append(section);
          }
          document.body.dataset.ready = "true";
        }
        render();
        </script>
        </body>
        </html>
        """#
}
#endif
