#if Hummingbird
/// The demo page: one self-contained HTML document (no external resources) that renders the
/// stages from the embedded config, runs each button's `fetch()` and shows what happened.
enum DemoPage {
    /// The page with `config` (the JSON from `DemoStages.json(apiOrigin:)`) embedded.
    static func html(config: String) -> String {
        template.replacingOccurrences(of: "__PAGE_STYLE__", with: PagePieces.style)
            .replacingOccurrences(of: "__PAGE_SCRIPT__", with: PagePieces.script)
            .replacingOccurrences(of: "__DEMO_CONFIG__", with: config)
    }

    private static let template = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>swift-cors demo: CORS, stage by stage</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>
        __PAGE_STYLE__
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

        __PAGE_SCRIPT__

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
            resultElement.append(sequencePicture({ id: button.id, label: `${button.method} ${button.path}`, pageOrigin: CONFIG.pageOrigin, serverOrigin: API, fetches }));
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
