/* The help widget: one script tag on any site adds a "Help" button and a panel that answers from
   the help center's public articles and hands hard cases to a person.

     <script src="https://help.example.com/widget.js" data-label="Help" async></script>

   It lives in a shadow root (the host page's styles neither reach it nor are touched), uses no
   framework and loads nothing but the help center's own API. It shows nothing at all unless the
   help center lists this site in KB_WIDGET_ORIGINS (the first request is refused otherwise). */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__kbHelpWidget) return;
  window.__kbHelpWidget = true;
  var base = new URL(script.src).origin;
  var label = script.getAttribute("data-label") || "Help";
  var side = script.getAttribute("data-position") === "left" ? "left" : "right";
  var API = base + "/api/v1";

  var CSS = [
    ":host{all:initial}",
    "*{box-sizing:border-box}",
    ".kb{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1d2433}",
    ".launch{position:fixed;bottom:16px;" + side + ":16px;z-index:2147483000;border:0;" +
      "border-radius:24px;padding:12px 20px;background:#1f4fa8;color:#fff;font:inherit;" +
      "font-weight:600;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25)}",
    ".launch:focus-visible,button:focus-visible,a:focus-visible,input:focus-visible," +
      "textarea:focus-visible{outline:3px solid #f5a623;outline-offset:2px}",
    ".panel{position:fixed;bottom:76px;" + side + ":16px;z-index:2147483001;" +
      "width:min(380px,calc(100vw - 32px));max-height:min(620px,calc(100vh - 100px));" +
      "display:flex;flex-direction:column;background:#fff;border:1px solid #c9d1e0;" +
      "border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.25);overflow:hidden}",
    "[hidden]{display:none!important}",
    "header{display:flex;align-items:center;justify-content:space-between;padding:10px 14px;" +
      "background:#1f4fa8;color:#fff}",
    "h2{margin:0;font-size:16px}",
    "h3{margin:0 0 4px;font-size:15px}",
    ".close{background:transparent;border:0;color:#fff;font-size:22px;line-height:1;" +
      "cursor:pointer;padding:4px 8px;border-radius:4px}",
    ".log{flex:1;overflow-y:auto;padding:12px 14px;display:flex;flex-direction:column;gap:10px}",
    ".msg{padding:8px 10px;border-radius:8px;max-width:100%;overflow-wrap:anywhere}",
    ".me{align-self:flex-end;background:#e6edf9}",
    ".bot{background:#f4f6fa;border:1px solid #e1e6ef}",
    ".bot table{border-collapse:collapse;display:block;overflow-x:auto}",
    ".bot td,.bot th{border:1px solid #c9d1e0;padding:2px 6px}",
    "a{color:#1a47a0}",
    "ul{margin:4px 0;padding-left:20px}",
    ".actions{display:flex;flex-wrap:wrap;gap:6px;margin-top:8px}",
    ".actions button,.send,.rate button{font:inherit;border:1px solid #1f4fa8;background:#fff;" +
      "color:#1f4fa8;border-radius:6px;padding:6px 10px;cursor:pointer}",
    ".send{background:#1f4fa8;color:#fff}",
    "form{display:flex;flex-direction:column;gap:6px;padding:10px 14px;border-top:1px solid #e1e6ef}",
    "label{font-weight:600;font-size:14px}",
    "input,textarea{font:inherit;width:100%;padding:8px;border:1px solid #8a96ad;border-radius:6px}",
    "textarea{resize:vertical;min-height:44px}",
    ".row{display:flex;gap:6px}",
    ".row input{flex:1}",
    ".rate{display:flex;gap:4px;margin-top:6px}",
    ".hint{font-size:13px;color:#4a5568;margin:0}",
    ".error{color:#a61b1b}",
  ].join("\n");

  var conversationId = null;
  var host, root, launcher, panel, log, askForm, question;

  function el(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    if (text) node.textContent = text;
    return node;
  }

  function call(method, path, body) {
    return fetch(API + path, {
      method: method,
      credentials: "include",
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) throw new Error((data.error && data.error.message) || response.status);
        return data;
      });
    });
  }

  function say(node) {
    log.appendChild(node);
    log.scrollTop = log.scrollHeight;
    return node;
  }

  function botSays(text) {
    return say(el("div", { class: "msg bot" }, text));
  }

  function link(href, text) {
    return el("a", { href: href, target: "_blank", rel: "noopener" }, text);
  }

  function button(text, onClick) {
    var node = el("button", { type: "button" }, text);
    node.addEventListener("click", onClick);
    return node;
  }

  function showReply(reply) {
    var box = el("div", { class: "msg bot" });
    if (reply.answer) {
      var answer = reply.answer;
      var heading = answer.title + (answer.section_title && answer.section_title !== answer.title
        ? " › " + answer.section_title : "");
      box.appendChild(el("h3", {}, heading));
      var body = el("div", { class: "answer" });
      body.innerHTML = answer.html; // the help center's own rendering of a public article
      body.querySelectorAll("a").forEach(function (a) {
        a.setAttribute("target", "_blank");
        a.setAttribute("rel", "noopener");
      });
      body.querySelectorAll("table").forEach(function (table) {
        table.setAttribute("tabindex", "0"); // a wide table scrolls: the keyboard can too
      });
      box.appendChild(body);
      var more = el("p", { class: "hint" });
      more.appendChild(link(answer.url, "Read the whole article"));
      box.appendChild(more);
    } else if (reply.no_good_match) {
      box.appendChild(el("p", {}, "I could not find anything in the help center that answers " +
        "that. A person from our team can help."));
    } else {
      box.appendChild(el("p", {}, "Of course: a person from our team will pick this up."));
    }
    if (reply.alternatives.length) {
      box.appendChild(el("p", { class: "hint" }, "More that may help:"));
      var list = el("ul");
      reply.alternatives.forEach(function (item) {
        var li = el("li");
        li.appendChild(link(item.url, item.title + (item.section_title &&
          item.section_title !== item.title ? " › " + item.section_title : "")));
        list.appendChild(li);
      });
      box.appendChild(list);
    }
    var actions = el("div", { class: "actions" });
    if (reply.answer) actions.appendChild(button("That solved it", resolved));
    actions.appendChild(button(reply.offer_handoff ? "Talk to a person" : "Ask a person instead",
      handoffForm));
    box.appendChild(actions);
    say(box);
  }

  function ask(text) {
    say(el("div", { class: "msg me" }, text));
    var request = conversationId
      ? call("POST", "/conversations/" + encodeURIComponent(conversationId) + "/messages",
        { message: text })
      : call("POST", "/conversations", { message: text, page_url: location.href });
    return request.then(function (data) {
      conversationId = data.conversation_id;
      showReply(data.reply);
    }).catch(function (error) {
      botSays("Sorry, that did not work: " + error.message).classList.add("error");
    });
  }

  function ended(text) {
    askForm.hidden = true;
    return botSays(text);
  }

  function resolved() {
    call("POST", "/conversations/" + encodeURIComponent(conversationId) + "/resolved")
      .then(function () {
        var box = ended("Glad that helped. How was this help?");
        var group = el("div", { class: "rate", role: "group", "aria-label": "Rate this help" });
        [1, 2, 3, 4, 5].forEach(function (stars) {
          group.appendChild(button(String(stars), function () { rate(stars, group); }))
            .setAttribute("aria-label", "Rate " + stars + " out of 5");
        });
        box.appendChild(group);
        group.firstChild.focus();
      });
  }

  function rate(stars, group) {
    call("POST", "/conversations/" + encodeURIComponent(conversationId) + "/rating",
      { rating: stars }).then(function () {
      group.replaceWith(el("p", {}, "Thank you for rating this " + stars + " out of 5."));
      panel.querySelector(".close").focus();
    });
  }

  function handoffForm() {
    if (!conversationId || root.querySelector(".handoff")) return;
    askForm.hidden = true;
    var form = el("form", { class: "handoff", "aria-label": "Talk to a person" });
    form.appendChild(el("p", { class: "hint" }, "We will send the whole conversation, so you " +
      "do not have to repeat yourself."));
    form.appendChild(el("label", { for: "kb-email" }, "Your e-mail address"));
    var email = form.appendChild(el("input", { id: "kb-email", type: "email", required: "",
      autocomplete: "email" }));
    form.appendChild(el("label", { for: "kb-note" }, "Anything to add? (optional)"));
    var note = form.appendChild(el("textarea", { id: "kb-note", rows: "2" }));
    form.appendChild(el("button", { type: "submit", class: "send" }, "Send to our team"));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      call("POST", "/conversations/" + encodeURIComponent(conversationId) + "/handoff",
        { email: email.value.trim(), message: note.value.trim() }).then(function (data) {
        form.remove();
        var team = data.queue === "service" ? "customer service" : "technical support";
        ended("Sent to our " + team + " team (ticket " + data.ticket_id + "). They will " +
          "answer by e-mail.");
        panel.querySelector(".close").focus();
      }).catch(function (error) {
        var problem = form.querySelector(".error") || form.appendChild(el("p", {
          class: "error", role: "alert" }));
        problem.textContent = error.message;
      });
    });
    panel.insertBefore(form, askForm);
    email.focus();
  }

  function open() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    question.focus();
  }

  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  function build(context) {
    host = el("div", { id: "kb-help-widget" });
    root = host.attachShadow({ mode: "open" });
    if (root.adoptedStyleSheets !== undefined && typeof CSSStyleSheet === "function") {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS); // not an inline style: a strict host CSP allows it
      root.adoptedStyleSheets = [sheet];
    } else {
      root.appendChild(el("style", {}, CSS));
    }
    var frame = el("div", { class: "kb" });
    launcher = el("button", { class: "launch", type: "button", "aria-haspopup": "dialog",
      "aria-expanded": "false", "aria-controls": "kb-panel" }, label);
    panel = el("div", { class: "panel", id: "kb-panel", role: "dialog",
      "aria-labelledby": "kb-title", hidden: "" });
    var header = el("header");
    header.appendChild(el("h2", { id: "kb-title" }, context.site_name));
    header.appendChild(el("button", { class: "close", type: "button", "aria-label": "Close help" },
      "×")).addEventListener("click", close);
    panel.appendChild(header);
    log = panel.appendChild(el("div", { class: "log", role: "log", "aria-live": "polite",
      "aria-label": "Conversation" }));
    var hello = botSays("Hi! Ask a question and I will find the answer in our help center.");
    if (context.suggestions.length) {
      hello.appendChild(el("p", { class: "hint" }, "Articles for this page:"));
      var list = el("ul");
      context.suggestions.forEach(function (item) {
        list.appendChild(el("li")).appendChild(link(item.url, item.title));
      });
      hello.appendChild(list);
    }
    askForm = el("form", { class: "ask" });
    askForm.appendChild(el("label", { for: "kb-question" }, "Your question"));
    var row = askForm.appendChild(el("div", { class: "row" }));
    question = row.appendChild(el("input", { id: "kb-question", type: "text", maxlength: "1000",
      autocomplete: "off" }));
    row.appendChild(el("button", { type: "submit", class: "send" }, "Send"));
    askForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = question.value.trim();
      if (!text) return;
      question.value = "";
      ask(text).then(function () { question.focus(); });
    });
    panel.appendChild(askForm);
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") close();
    });
    launcher.addEventListener("click", function () {
      if (panel.hidden) open(); else close();
    });
    frame.appendChild(panel);
    frame.appendChild(launcher);
    root.appendChild(frame);
    document.body.appendChild(host);
  }

  // Asking first: a site the help center does not list gets no answer, and so no widget.
  call("GET", "/widget?page_url=" + encodeURIComponent(location.href))
    .then(build)
    .catch(function () {});
})();
