// A ticket in the agent console: Preview, Insert link and Insert answer on every suggestion and
// search hit (the reply goes into the reply box and the clipboard, and the article is recorded
// as linked for this ticket), and a search over public and internal articles.
(function () {
  "use strict";
  const root = document.getElementById("ticket-console");
  if (!root) return;
  const token = document.querySelector('meta[name="csrf-token"]').content;
  const requestId = root.dataset.requestId;
  const formatChoice = document.getElementById("reply-format");
  // The help desk's reply style, as this agent last chose it on this browser (not a secret).
  formatChoice.value = window.localStorage.getItem("kb-reply-format") || "text";
  formatChoice.addEventListener("change", function () { window.localStorage.setItem("kb-reply-format", formatChoice.value); });
  const reply = document.getElementById("reply");
  const replyStatus = document.getElementById("reply-status");
  const preview = document.getElementById("preview");
  const results = document.getElementById("search-results");
  const searchStatus = document.getElementById("search-status");

  async function call(url, options) {
    const response = await fetch(url, Object.assign({ credentials: "same-origin" }, options || {}));
    const data = await response.json();
    if (!response.ok) throw new Error(data.error ? data.error.message : "request failed");
    return data;
  }

  function section(slug, anchor) {
    return call("/api/v1/agent/articles/" + encodeURIComponent(slug) + "/answer?anchor=" + encodeURIComponent(anchor || ""));
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function button(action, label) {
    const node = element("button", "secondary", label);
    node.type = "button";
    node.dataset.action = action;
    return node;
  }

  async function insert(action, slug, anchor) {
    const data = await section(slug, anchor);
    const texts = data[action];
    if (!texts) throw new Error("internal articles are not for customers");
    const text = texts[formatChoice.value] || texts.text;
    reply.value = reply.value.trim() ? reply.value.replace(/\s+$/, "") + "\n\n" + text : text;
    let copied = false;
    try { await navigator.clipboard.writeText(reply.value); copied = true; } catch (error) { /* the reply box still has it */ }
    replyStatus.textContent = (action === "link" ? "Inserted a link to " : "Inserted the answer from ") +
      data.title + (data.anchor ? " › " + data.section_title : "") + (copied ? ", and copied the reply." : ".");
    // Recorded as linked for this ticket: the suggestions learn from it, and solving keeps it.
    call("/api/v1/suggest/feedback", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify({ request_id: requestId, slug: slug, action: "linked" }),
    }).catch(function () { /* the reply matters more than the statistic */ });
  }

  async function show(slug, anchor) {
    const data = await section(slug, anchor);
    document.getElementById("preview-title").textContent = data.title + (data.anchor ? " › " + data.section_title : "");
    document.getElementById("preview-meta").textContent = data.audience === "internal" ? "Internal: not for customers" : data.url;
    document.getElementById("preview-body").innerHTML = data.html;  // rendered and made safe by the server
    const actions = document.getElementById("preview-actions");
    actions.replaceChildren();
    actions.dataset.slug = slug;
    actions.dataset.anchor = anchor || "";
    if (data.answer) actions.append(button("link", "Insert link"), button("answer", "Insert answer"));
    preview.hidden = false;
    preview.scrollIntoView({ block: "nearest" });
  }

  root.addEventListener("click", async function (event) {
    const target = event.target.closest("button[data-action]");
    if (!target) return;
    const holder = target.closest("[data-slug]");
    if (!holder) return;
    const slug = holder.dataset.slug;
    const anchor = holder.dataset.anchor || "";
    try {
      if (target.dataset.action === "preview") await show(slug, anchor);
      else await insert(target.dataset.action, slug, anchor);
    } catch (error) {
      replyStatus.textContent = "That did not work: " + error.message;
    }
  });

  function hit(found) {
    const item = element("li", "suggestion");
    item.dataset.slug = found.slug;
    item.dataset.anchor = found.section.anchor;
    const heading = element("h3", "result-title");
    const link = element("a", "", found.title + (found.section.anchor ? " › " + found.section.title : ""));
    link.href = found.url;
    link.target = "_blank";
    link.rel = "noopener";
    heading.append(link);
    const meta = element("p", "meta", (found.audience === "internal" ? "Internal · not for customers · " : "") +
      "confidence " + Math.round(found.confidence * 100) + "%");
    const snippet = element("p", "snippet");
    snippet.innerHTML = found.snippet;  // server-escaped text with <mark> only
    const actions = element("div", "actions");
    actions.append(button("preview", "Preview"));
    if (found.audience === "public") actions.append(button("link", "Insert link"), button("answer", "Insert answer"));
    item.append(heading, meta, snippet, actions);
    return item;
  }

  document.getElementById("search-form").addEventListener("submit", async function (event) {
    event.preventDefault();
    const query = document.getElementById("agent-q").value.trim();
    if (!query) return;
    try {
      const data = await call("/api/v1/agent/search?limit=8&q=" + encodeURIComponent(query));
      results.replaceChildren(...data.results.map(hit));
      searchStatus.textContent = data.results.length ? data.results.length + " articles" : "Nothing found.";
    } catch (error) {
      searchStatus.textContent = error.message;
    }
  });
})();
