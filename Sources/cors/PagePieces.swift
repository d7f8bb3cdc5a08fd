#if Hummingbird
/// What `cors demo`'s and `cors debug`'s pages share: the style sheet, the DOM helpers, the
/// header lists with the CORS headers marked, and the sequence picture (page, browser, server).
enum PagePieces {
    /// The CSS both pages use.
    static let style = #"""
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
        """#

    /// `el(tag, attrs, ...children)`, `headerLines(pairs, prefix)` (CORS headers marked) and
    /// `sequencePicture({ id, label, pageOrigin, serverOrigin, fetches })`.
    static let script = #"""
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

        /** A sequence picture: page, browser and server lanes; preflight, then the actual request.
            `fetches`: [{ verdict: { allowed, status, error }, seen: [{ method, path, status, responseHeaders: [[name, value]] }] }]. */
        function sequencePicture({ id, label, pageOrigin, serverOrigin, fetches }) {
          const NS = "http://www.w3.org/2000/svg";
          const lanes = { page: 130, browser: 400, server: 670 };
          const titles = { page: ["Page", pageOrigin], browser: ["Browser", "CORS checks"], server: ["Server", serverOrigin] };
          const rows = [];
          fetches.forEach(({ verdict, seen }, index) => {
            const suffix = fetches.length > 1 ? ` (#${index + 1})` : "";
            rows.push({ from: "page", to: "browser", text: `fetch(${label})${suffix}` });
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
            for (const [key, value] of Object.entries({ id: `arrow-${id}-${kind || "plain"}`, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" })) marker.setAttribute(key, String(value));
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
            add("line", { x1, y1: y, x2: x2 + (x2 > x1 ? -4 : 4), y2: y, stroke: color, "stroke-width": 1.6, "marker-end": `url(#arrow-${id}-${kind || "plain"})` });
            add("text", { x: (x1 + x2) / 2, y: y - 6, "text-anchor": "middle", "font-size": 12, fill: color }, row.text.length > 46 ? row.text.slice(0, 45) + "…" : row.text);
          });
          return el("div", { class: "sequence" }, svg);
        }
        """#
}
#endif
