// Report an opened search result with a beacon, which every browser sends (Firefox ignores
// <a ping> unless its user turns pings on). The link's `ping` stays for browsers without
// script; it is taken off as the beacon goes, so the browser's own ping does not count the
// same click again.
(function () {
  "use strict";
  if (!navigator.sendBeacon) return;
  function report(event) {
    const link = event.target.closest && event.target.closest("a[ping]");
    if (!link || (event.type === "auxclick" && event.button !== 1)) return;
    navigator.sendBeacon(link.getAttribute("ping"));
    link.removeAttribute("ping");
  }
  document.addEventListener("click", report);
  document.addEventListener("auxclick", report);  // the middle button opens it in a new tab
})();
