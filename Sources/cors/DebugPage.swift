#if Hummingbird
/// `cors debug`'s page: one self-contained document. Its state lives in its URL (`?url=...&run=1`
/// or `?explain=...`), so a result can be shared or reloaded.
enum DebugPage {
    static let html = template.replacingOccurrences(of: "__PAGE_STYLE__", with: PagePieces.style)
        .replacingOccurrences(of: "__PAGE_SCRIPT__", with: PagePieces.script)

    private static let template = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>swift-cors debugger</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>
        __PAGE_STYLE__
          form, .paste { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 14px 18px; margin: 16px 0; }
          label { display: block; font-weight: 600; font-size: 13px; margin: 8px 0 3px; }
          input[type=text], textarea, select { font: 13px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; width: 100%; padding: 6px 8px; border: 1px solid var(--line); border-radius: 6px; }
          textarea { min-height: 54px; }
          .row { display: grid; grid-template-columns: 1fr 1fr 1fr 1fr; gap: 12px; }
          .row2 { display: grid; grid-template-columns: 2fr 1fr; gap: 12px; }
          .check label { display: inline; font-weight: 400; }
          .explanation, .browser-result { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 18px; margin: 16px 0; }
          .causes li { margin: 3px 0; }
          .cause { border-left: 4px solid var(--bad); padding: 4px 10px; margin: 8px 0; background: var(--bad-bg); }
          .browser-result .card h4 { text-transform: none; letter-spacing: 0; }
        </style>
        </head>
        <body>
        <header>
          <h1>CORS debugger</h1>
          <p>Describe a <code>fetch()</code> and run it: swift-cors sends it to the server as Chromium and Firefox would, and shows every exchange, each browser's verdict in its own words, the cause on the server and the fix. Or paste the error from the browser's console.</p>
        </header>
        <main>
          <div class="paste">
            <label for="paste">A console error</label>
            <textarea id="paste" placeholder="Access to fetch at 'https://api.example.com/' from origin 'https://app.example.com' has been blocked by CORS policy: ..."></textarea>
            <button class="run" id="explain" type="button">Explain</button>
          </div>
          <form id="form">
            <div class="row2">
              <div><label for="url">URL</label><input type="text" id="url" placeholder="http://127.0.0.1:3000/api/items"></div>
              <div><label for="origin">The page's origin</label><input type="text" id="origin" placeholder="http://localhost:5173"></div>
            </div>
            <div class="row">
              <div><label for="method">Method</label><input type="text" id="method" value="GET"></div>
              <div><label for="credentials">Credentials</label><select id="credentials"><option>same-origin</option><option>omit</option><option>include</option></select></div>
              <div><label for="browser">Browser</label><select id="browser"><option value="all">Chromium and Firefox</option><option>chromium</option><option>firefox</option></select></div>
              <div class="check"><label for="probe">Causes</label><input type="checkbox" id="probe" checked> <label for="probe">probe error answers too</label></div>
            </div>
            <div class="row2">
              <div><label for="headers">Request headers (one <code>Name: value</code> a line)</label><textarea id="headers"></textarea></div>
              <div><label for="body">Body</label><textarea id="body"></textarea></div>
            </div>
            <button class="run" id="run" type="submit">Run</button>
          </form>
          <div id="explanation"></div>
          <div id="result"></div>
        </main>
        <script>
        "use strict";
        __PAGE_SCRIPT__

        const field = id => document.getElementById(id);
        const FIELDS = ["url", "origin", "method", "credentials", "browser", "headers", "body"];

        function formQuery() {
          const query = new URLSearchParams();
          for (const name of FIELDS) {
            const value = field(name).value.trim();
            if (!value) continue;
            if (name === "headers") value.split("\n").filter(l => l.trim()).forEach(line => query.append("header", line));
            else query.set(name, value);
          }
          if (field("probe").checked) query.set("probe", "1");
          return query;
        }

        function fillForm(query) {
          for (const name of FIELDS) {
            if (name === "headers") { field(name).value = query.getAll("header").join("\n"); continue; }
            if (query.has(name)) field(name).value = query.get(name);
          }
          field("probe").checked = query.get("probe") === "1";
        }

        function verdictCard(name, outcome) {
          const error = outcome.error && outcome.error !== null ? outcome.error : null;
          const card = el("div", { class: `card ${outcome.allowed ? "allowed" : "blocked"}`, "data-browser": name },
            el("h4", {}, name),
            el("div", { class: `verdict ${outcome.allowed ? "allowed" : "blocked"}` }, outcome.allowed ? `ALLOWED (status ${outcome.status})` : "BLOCKED"));
          if (error) {
            card.append(el("p", { class: "kind" }, el("strong", {}, error.kind)), el("pre", { class: "console" }, error.message));
            card.append(el("p", { class: "fix" }, el("strong", {}, "Fix: "), error.fix));
          } else if (outcome.allowed) {
            card.append(el("p", { class: "note" }, `Readable headers: ${outcome.readableHeaders.join(", ") || "(the safelisted ones)"}`));
          }
          return card;
        }

        function exchanges(outcome) {
          const grid = el("div", { class: "grid" });
          for (const exchange of outcome.trace) {
            grid.append(
              el("div", { class: "card" }, el("h4", {}, `${exchange.stage}: ${exchange.method} ${exchange.url}`),
                headerLines(exchange.requestHeaders.map(h => [h.name, h.value]), "> ")),
              el("div", { class: "card" }, el("h4", {}, `answer: ${exchange.status}`),
                headerLines(exchange.responseHeaders.map(h => [h.name, h.value]), "< ")));
          }
          return grid;
        }

        function pathOf(url) {
          try { const u = new URL(url); return u.pathname + u.search; } catch { return url; }
        }

        function picture(name, outcome, query) {
          const seen = outcome.trace.map(e => ({ method: e.method, path: pathOf(e.url), status: e.status, responseHeaders: e.responseHeaders.map(h => [h.name, h.value]) }));
          const verdict = { allowed: outcome.allowed, status: outcome.status, error: outcome.error ? outcome.error.kind : "blocked" };
          let server = query.get("url");
          try { server = new URL(server).origin; } catch {}
          return sequencePicture({ id: name, label: `${query.get("method") || "GET"} ${pathOf(query.get("url"))}`, pageOrigin: query.get("origin"), serverOrigin: server, fetches: [{ verdict, seen }] });
        }

        async function run(query) {
          const result = field("result");
          result.replaceChildren(el("p", { class: "note" }, "Running…"));
          document.body.dataset.state = "running";
          history.replaceState(null, "", "?" + query.toString() + "&run=1");
          const response = await fetch("/api/check?" + query.toString(), { cache: "no-store" });
          const json = await response.json();
          window.debugResult = json;
          result.replaceChildren();
          if (json.error && json.allowed === undefined) {
            result.append(el("p", { class: "cause", id: "check-error" }, json.error));
            document.body.dataset.state = "failed";
            return;
          }
          const outcomes = json.browsers ? Object.entries(json.browsers) : [[json.browser, json]];
          const verdicts = el("div", { class: "grid", id: "verdicts" });
          for (const [name, outcome] of outcomes) verdicts.append(verdictCard(name, outcome));
          result.append(el("h3", {}, "Verdict"), verdicts);
          if (json.difference) result.append(el("p", { class: "cause" }, json.difference));
          const causes = outcomes.flatMap(([, o]) => o.causes || []).filter((c, i, all) => all.findIndex(d => d.cause === c.cause) === i);
          const causeList = el("div", { id: "causes" });
          for (const cause of causes) causeList.append(el("div", { class: "cause", "data-cause": cause.cause }, el("strong", {}, "Cause: "), cause.diagnosis, el("br"), el("strong", {}, "Fix: "), cause.fix));
          if (causes.length) result.append(el("h3", {}, "Cause on the server"), causeList);
          for (const [name, outcome] of outcomes) {
            result.append(el("div", { class: "browser-result" }, el("h3", {}, `${name}: the exchange`), exchanges(outcome), picture(name, outcome, query)));
          }
          document.body.dataset.state = "done";
        }

        async function explain(text) {
          history.replaceState(null, "", "?explain=" + encodeURIComponent(text));
          const response = await fetch("/api/explain?text=" + encodeURIComponent(text), { cache: "no-store" });
          const json = await response.json();
          window.debugExplanation = json;
          const box = field("explanation");
          if (!json.recognized) {
            box.replaceChildren(el("div", { class: "explanation", id: "not-cors" }, el("strong", {}, "Not a CORS error. "), json.explanation));
            document.body.dataset.state = "explained";
            return;
          }
          const error = json.error;
          const causes = el("ol", { class: "causes" });
          for (const cause of error.causes) causes.append(el("li", {}, cause));
          box.replaceChildren(el("div", { class: "explanation", id: "explained", "data-kind": error.kind },
            el("p", {}, el("strong", {}, `${json.browser === "firefox" ? "Firefox" : "Chromium"} said: ${error.kind}`)),
            el("p", {}, error.meaning),
            el("p", {}, el("strong", {}, "Likely causes, most likely first:")), causes,
            el("p", { class: "fix" }, el("strong", {}, "Fix: "), error.fix),
            error.policy ? el("pre", {}, `swift-cors policy: ${error.policy}`) : null,
            json.check ? el("pre", {}, json.check) : null,
            el("p", { class: "note" }, "The form below holds the request the message tells of: complete it and press Run to see the cause on the server.")));
          const query = new URLSearchParams();
          if (json.url) query.set("url", json.url);
          if (json.origin) query.set("origin", json.origin);
          if (json.request.method) query.set("method", json.request.method);
          for (const header of json.request.headers) query.append("header", header);
          if (json.request.credentials) query.set("credentials", json.request.credentials);
          query.set("browser", json.browser);
          query.set("probe", "1");
          fillForm(query);
          document.body.dataset.state = "explained";
        }

        field("form").addEventListener("submit", event => { event.preventDefault(); run(formQuery()); });
        field("explain").addEventListener("click", () => explain(field("paste").value));
        const initial = new URLSearchParams(location.search);
        if (initial.has("explain")) {
          field("paste").value = initial.get("explain");
          explain(initial.get("explain"));
        } else {
          fillForm(initial);
          if (!initial.has("probe")) field("probe").checked = true;
          if (initial.get("run") === "1") run(formQuery());
        }
        document.body.dataset.ready = "true";
        </script>
        </body>
        </html>
        """#
}
#endif
