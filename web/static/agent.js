// Paste a ticket: ask the suggestion API, show the triage, the suggestions (each request's, for
// a ticket that asks several things) and record feedback.
(function () {
  "use strict";
  const form = document.getElementById("ticket-form");
  const list = document.getElementById("suggestions");
  const triageBox = document.getElementById("triage");
  const formError = document.getElementById("form-error");
  const requestsBox = document.getElementById("requests");
  const QUEUES = { service: "Service: orders, billing, account", support: "Support: technical problems" };
  const token = document.querySelector('meta[name="csrf-token"]').content;
  let requestId = null;

  async function post(url, payload) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      credentials: "same-origin",
      body: JSON.stringify(payload),
    });
    const data = await response.json();
    if (!response.ok) throw new Error(data.error ? data.error.message : "request failed");
    return data;
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function showTriage(triage) {
    triageBox.replaceChildren(
      element("strong", "kind kind-" + triage.kind, QUEUES[triage.kind] || "No queue"),
      element("span", "", " · " + (triage.category || "no category") + " · confidence " + Math.round(triage.confidence * 100) + "%"),
    );
    const reasons = element("ul", "reasons");
    triage.reasons.forEach(function (reason) { reasons.append(element("li", "", reason)); });
    triageBox.append(reasons);
    triageBox.hidden = false;
  }

  function feedbackButton(slug, action, label) {
    const button = element("button", "secondary", label);
    button.type = "button";
    button.addEventListener("click", async function () {
      try {
        await post("/api/v1/suggest/feedback", { request_id: requestId, slug: slug, action: action });
        button.textContent = label + " ✓";
        button.disabled = true;
      } catch (error) { button.textContent = label + " (failed)"; }
    });
    return button;
  }

  function showRequests(requests) {
    requestsBox.replaceChildren();
    if (!requests.length) return;
    requestsBox.append(element("h2", "", "This ticket asks " + requests.length + " things"));
    requests.forEach(function (request) {
      requestsBox.append(element("h3", "", "“" + request.label + "”"));
      requestsBox.append(element("p", "meta", (QUEUES[request.triage.kind] || "") + " · confidence " + Math.round(request.triage.confidence * 100) + "%"));
      const items = element("ol", "suggestions");
      fill(items, request.suggestions);
      requestsBox.append(items);
    });
    requestsBox.append(element("h2", "", "All suggestions"));
  }

  function showSuggestions(suggestions) { fill(list, suggestions); }

  function fill(list, suggestions) {
    list.replaceChildren();
    if (!suggestions.length) { list.append(element("li", "", "No matching articles.")); return; }
    suggestions.forEach(function (s) {
      const item = element("li", "suggestion");
      const link = element("a", "result-title", s.title + (s.section.anchor ? " › " + s.section.title : ""));
      link.href = s.url;
      link.target = "_blank";
      link.rel = "noopener";
      const meta = element("p", "meta", (s.audience === "internal" ? "Internal · " : "") + (s.kind || "") + " · confidence " + Math.round(s.confidence * 100) + "%");
      const snippet = element("p", "snippet");
      snippet.innerHTML = s.snippet;  // server-escaped text with <mark> only
      const actions = element("div", "actions");
      const copy = element("button", "secondary", "Copy link");
      copy.type = "button";
      copy.addEventListener("click", function () {
        navigator.clipboard.writeText(new URL(s.url, window.location.origin).href).then(function () { copy.textContent = "Copied"; });
      });
      actions.append(copy, feedbackButton(s.slug, "linked", "Linked"), feedbackButton(s.slug, "helpful", "Helpful"), feedbackButton(s.slug, "not_helpful", "Not helpful"));
      item.append(link, meta, snippet, actions);
      list.append(item);
    });
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    formError.hidden = true;
    try {
      const data = await post("/api/v1/suggest", {
        subject: form.subject.value, body: form.body.value, limit: 5,
      });
      requestId = data.request_id;
      showTriage(data.triage);
      showRequests(data.requests);
      showSuggestions(data.suggestions);
    } catch (error) {
      formError.textContent = error.message;
      formError.hidden = false;
    }
  });
})();
