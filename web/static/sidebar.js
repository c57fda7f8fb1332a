// The agent sidebar inside a help desk (web/sidebar.py says the protocol): it takes the agent
// key and the ticket from its parent window, if the parent is at an allowed origin, and hands
// Insert link / Insert answer back to it. The key is kept in this variable only: never in a
// URL, a cookie or storage.
(function () {
  "use strict";
  const root = document.getElementById("sidebar");
  const origins = root.dataset.origins.split(" ").filter(Boolean);
  const statusLine = document.getElementById("sidebar-status");
  const triageBox = document.getElementById("sidebar-triage");
  const requestsBox = document.getElementById("sidebar-requests");
  const list = document.getElementById("sidebar-suggestions");
  const QUEUES = { service: "Service: orders, billing, account", support: "Support: technical problems" };
  let key = null;
  let ticket = null;
  let parentOrigin = null;
  let requestId = null;
  let asked = 0;

  function say(text) { statusLine.textContent = text; }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  async function api(path, body) {
    const response = await fetch(path, {
      method: body ? "POST" : "GET",
      credentials: "omit",  // the key, not a cookie: this page lives inside another site
      headers: { Authorization: "Bearer " + key, "Content-Type": "application/json" },
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = await response.json();
    if (!response.ok) throw new Error(data.error ? data.error.message : "request failed");
    return data;
  }

  function fromTicket(sent) {
    const messages = Array.isArray(sent.messages) ? sent.messages.filter(function (m) {
      return m && (m.author === "customer" || m.author === "agent") && typeof m.body === "string";
    }) : [];
    return {
      subject: typeof sent.subject === "string" ? sent.subject : "",
      body: typeof sent.body === "string" ? sent.body : "",
      messages: messages.map(function (m) { return { author: m.author, body: m.body }; }),
    };
  }

  // The ticket may also come in the URL fragment (#subject=…&body=…); never the key.
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  if (fragment.has("subject") || fragment.has("body")) {
    ticket = fromTicket({ subject: fragment.get("subject"), body: fragment.get("body") });
  }

  window.addEventListener("message", function (event) {
    // Only the window that embeds this page, at an allowed origin; anyone else is ignored.
    if (window.parent === window || event.source !== window.parent) return;
    if (origins.indexOf(event.origin) === -1) return;
    const data = event.data;
    if (!data || typeof data !== "object" || typeof data.type !== "string") return;
    if (data.type === "kb:auth" && typeof data.key === "string" && data.key) {
      key = data.key;
    } else if (data.type === "kb:ticket" && data.ticket && typeof data.ticket === "object") {
      ticket = fromTicket(data.ticket);
    } else {
      return;
    }
    parentOrigin = event.origin;
    if (key && ticket) suggest();
    else say(key ? "Waiting for the help desk to send a ticket." : "Waiting for the help desk to send its agent key.");
  });

  function showTriage(triage) {
    triageBox.replaceChildren(
      element("strong", "kind kind-" + triage.kind, QUEUES[triage.kind] || "No queue"),
      element("span", "", " · " + (triage.category || "no category") + " · confidence " + Math.round(triage.confidence * 100) + "%"),
    );
    triageBox.hidden = false;
  }

  function item(s) {
    const row = element("li", "suggestion");
    const link = element("a", "result-title", s.title + (s.section.anchor ? " › " + s.section.title : ""));
    link.href = s.url;
    link.target = "_blank";
    link.rel = "noopener";
    const meta = element("p", "meta", (s.audience === "internal" ? "Internal · not for customers · " : "") + "confidence " + Math.round(s.confidence * 100) + "%");
    const snippet = element("p", "snippet");
    snippet.innerHTML = s.snippet;  // server-escaped text with <mark> only
    const actions = element("div", "actions");
    if (s.audience === "public") {
      [["link", "Insert link"], ["answer", "Insert answer"]].forEach(function (pair) {
        const button = element("button", "secondary", pair[1]);
        button.type = "button";
        button.addEventListener("click", function () { insert(pair[0], s, button); });
        actions.append(button);
      });
    }
    row.append(link, meta, snippet, actions);
    return row;
  }

  function fill(target, suggestions) {
    target.replaceChildren(...suggestions.map(item));
    if (!suggestions.length) target.append(element("li", "", "No matching articles."));
  }

  async function suggest() {
    const mine = ++asked;
    say("Looking for articles…");
    try {
      const data = await api("/api/v1/suggest", Object.assign({ limit: 5 }, ticket));
      if (mine !== asked) return;
      requestId = data.request_id;
      showTriage(data.triage);
      requestsBox.replaceChildren();
      data.requests.forEach(function (request) {
        requestsBox.append(element("h2", "", "“" + request.label + "”"));
        const items = element("ol", "suggestions");
        fill(items, request.suggestions);
        requestsBox.append(items);
      });
      if (data.requests.length) requestsBox.append(element("h2", "", "All suggestions"));
      fill(list, data.suggestions);
      say(data.suggestions.length ? "Suggestions for this ticket." : "No article matches this ticket.");
    } catch (error) {
      say("No suggestions: " + error.message);
    }
  }

  async function insert(action, s, button) {
    try {
      const data = await api("/api/v1/agent/articles/" + encodeURIComponent(s.slug) + "/answer?anchor=" + encodeURIComponent(s.section.anchor));
      const texts = data[action];
      window.parent.postMessage({
        type: "kb:insert", action: action, slug: data.slug, url: data.url,
        text: texts.text, markdown: texts.markdown, html: texts.html,
      }, parentOrigin);
      button.textContent = action === "link" ? "Link inserted" : "Answer inserted";
      api("/api/v1/suggest/feedback", { request_id: requestId, slug: s.slug, action: "linked" }).catch(function () {});
    } catch (error) {
      say("Could not insert: " + error.message);
    }
  }
})();
