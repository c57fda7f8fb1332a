// Chatwoot dashboard app: Chatwoot sends the open conversation to this page as a JSON string,
// {"event": "appContext", "data": {"conversation", "contact", "currentAgent"}}, when the app's
// tab opens and when asked with "chatwoot-dashboard-app:fetch-info". This page embeds the help
// center's agent sidebar (/agent/sidebar) and passes it the agent key and the conversation
// (web/sidebar.py says the protocol). Chatwoot lets a dashboard app read the conversation but
// not write into its reply box, so Insert puts the reply below, ready to copy, and copies it
// when the browser allows.
(function () {
  "use strict";
  var config = window.KB_SIDEBAR || {};
  var base = String(config.url || "").replace(/\/+$/, "");
  var origin = new URL(base).origin;
  var frame = document.getElementById("kb-sidebar");
  var replyBox = document.getElementById("kb-reply");
  var replyText = document.getElementById("kb-reply-text");
  var replyStatus = document.getElementById("kb-reply-status");
  var loaded = false;
  var conversation = null;

  // message_type: 0 incoming (the customer), 1 outgoing (an agent); activities and private
  // notes are not the customer's words.
  function ticket(conversationData) {
    var messages = (conversationData.messages || []).filter(function (m) {
      return m && !m.private && (m.message_type === 0 || m.message_type === 1) && m.content;
    }).map(function (m) {
      return { author: m.message_type === 0 ? "customer" : "agent", body: String(m.content) };
    });
    var attributes = conversationData.additional_attributes || {};
    return { id: String(conversationData.id || ""), subject: attributes.mail_subject || "", body: "", messages: messages };
  }

  function send() {
    if (!loaded || !conversation) return;
    frame.contentWindow.postMessage({ type: "kb:auth", key: config.agentKey }, origin);
    frame.contentWindow.postMessage({ type: "kb:ticket", ticket: ticket(conversation) }, origin);
  }

  window.addEventListener("message", function (event) {
    if (event.source === frame.contentWindow && event.origin === origin) {
      var data = event.data || {};
      if (data.type !== "kb:insert") return;
      replyText.value = data.markdown;
      replyBox.hidden = false;
      replyText.select();
      var copied = false;
      try { copied = document.execCommand("copy"); } catch (error) { copied = false; }
      replyStatus.textContent = copied ? "Copied: paste it into the reply." : "Copy it into the reply.";
      return;
    }
    if (event.source !== window.parent || event.origin !== config.chatwootOrigin) return;
    var context;
    try { context = typeof event.data === "string" ? JSON.parse(event.data) : event.data; } catch (error) { return; }
    if (!context || context.event !== "appContext" || !context.data || !context.data.conversation) return;
    conversation = context.data.conversation;
    send();
  });

  frame.addEventListener("load", function () { loaded = true; send(); });
  frame.src = base + "/agent/sidebar";
  window.parent.postMessage("chatwoot-dashboard-app:fetch-info", "*");  // Chatwoot's documented request
})();
