// Plays Zendesk's ZAF SDK (zaf_sdk.min.js) for the Zendesk adapter: the app's settings, the
// ticket, and the actions the adapter invokes, which are kept in window.invoked for the test.
(function () {
  "use strict";
  window.invoked = [];
  window.ZAFClient = {
    init: function () {
      return {
        invoke: function (name, value) { window.invoked.push([name, value]); return Promise.resolve({}); },
        metadata: function () { return Promise.resolve({ settings: window.ZAF_SETTINGS }); },
        get: function (paths) {
          const wanted = typeof paths === "string" ? [paths] : paths;
          const found = {};
          wanted.forEach(function (path) { found[path] = window.ZAF_DATA[path]; });
          return Promise.resolve(found);
        },
        on: function () {},
      };
    },
  };
})();
