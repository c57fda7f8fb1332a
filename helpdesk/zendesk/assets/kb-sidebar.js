// Zendesk ticket sidebar app: embeds the help center's agent sidebar (/agent/sidebar) and speaks
// its protocol (web/sidebar.py). The help center's address and the agent key come from the app's
// settings; the key goes to the sidebar by postMessage only, to the help center's origin only.
// Insert link / Insert answer land in the reply through ZAF's comment actions.
(function () {
  "use strict";
  var client = ZAFClient.init();
  var frame = document.getElementById("kb-sidebar");
  var settings = null;
  var origin = null;

  client.invoke("resize", { width: "100%", height: "640px" });

  function text(html) {
    var doc = new DOMParser().parseFromString(html || "", "text/html");
    return doc.body.textContent || "";
  }

  function ticket() {
    return client.get(["ticket.id", "ticket.subject", "ticket.description", "ticket.comments"]).then(function (data) {
      var comments = data["ticket.comments"] || [];
      var messages = comments.filter(function (c) { return c && c.value; }).map(function (c) {
        var role = c.author && c.author.role;
        return { author: role === "end-user" ? "customer" : "agent", body: text(c.value) };
      });
      return {
        id: String(data["ticket.id"] || ""),
        subject: data["ticket.subject"] || "",
        body: messages.length ? "" : (data["ticket.description"] || ""),
        messages: messages,
      };
    });
  }

  function send() {
    frame.contentWindow.postMessage({ type: "kb:auth", key: settings.agent_key }, origin);
    return ticket().then(function (found) {
      frame.contentWindow.postMessage({ type: "kb:ticket", ticket: found }, origin);
    });
  }

  window.addEventListener("message", function (event) {
    if (event.source !== frame.contentWindow || event.origin !== origin) return;
    var data = event.data || {};
    if (data.type !== "kb:insert") return;
    client.get("comment.useRichText").then(function (editor) {
      if (editor["comment.useRichText"]) client.invoke("comment.appendHtml", data.html);
      else client.invoke("comment.appendText", data.text);
    });
  });

  client.metadata().then(function (metadata) {
    settings = metadata.settings;
    var base = String(settings.kb_url || "").replace(/\/+$/, "");
    origin = new URL(base).origin;
    frame.addEventListener("load", send);
    frame.src = base + "/agent/sidebar";
    client.on("ticket.subject.changed", send);
  });
})();
