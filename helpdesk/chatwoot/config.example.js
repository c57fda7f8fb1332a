// Copy to config.js beside index.html, and fill in. Whoever can open this page can read the
// key: host it where only your agents reach it (next to Chatwoot), with a key made for it
// (kb keys create --role agent --name chatwoot), which `kb keys revoke` stops at once.
window.KB_SIDEBAR = {
  url: "https://help.example.com",          // the help center
  agentKey: "paste-an-agent-key-here",
  chatwootOrigin: "https://chat.example.com", // where Chatwoot runs: the only sender listened to
};
